/** What the consent page shows and posts back. */
import type { ClientRecord } from '../store/types.js';
import { describeScopes, parseScope } from './scopes.js';

export interface ConsentView {
  /** Handle of the pending request; the form posts it back. Given out once, stored hashed. */
  readonly requestId: string;
  /** The form's CSRF token. Given out once, stored hashed. */
  readonly csrfToken: string;
  readonly client: { readonly id: string; readonly name: string };
  readonly scopes: readonly { readonly name: string; readonly description: string }[];
  /** Where the browser goes afterwards; the page may show its host. */
  readonly redirectUri: string;
  /** Epoch ms after which the request is dead. */
  readonly expiresAt: number;
  /** Wrong pairing codes the request can still take. */
  readonly attemptsLeft: number;
}

export function consentView(input: {
  requestId: string;
  csrfToken: string;
  client: ClientRecord;
  scope: string;
  redirectUri: string;
  expiresAt: number;
  attemptsLeft: number;
}): ConsentView {
  return {
    requestId: input.requestId,
    csrfToken: input.csrfToken,
    client: { id: input.client.id, name: input.client.name },
    scopes: describeScopes(parseScope(input.scope) ?? []),
    redirectUri: input.redirectUri,
    expiresAt: input.expiresAt,
    attemptsLeft: input.attemptsLeft,
  };
}
