/** The shape every grant module exports (one file per grant, token.ts dispatches). */
import type { ClientRecord } from '../../store/types.js';
import type { OAuthDeps, RequestMeta } from '../context.js';
import type { TokenResponse } from '../issue.js';
import type { Params } from '../params.js';
import type { GrantType } from '../roles.js';

export interface GrantModule {
  readonly grantType: GrantType;
  /** The body parameters the grant reads, besides grant_type and client credentials. */
  readonly parameters: readonly string[];
  /** Runs for an authenticated client that may use this grant. */
  handler(client: ClientRecord, body: Params, deps: OAuthDeps, meta: RequestMeta): Promise<TokenResponse>;
}
