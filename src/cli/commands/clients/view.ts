/** How clients are shown: one JSON shape for scripts, one text block for people. Never a secret or its hash. */
import { GRANT_TYPES } from '../../../oauth/builtin-clients.js';
import { ClientAdminError, type ClientAdminErrorCode } from '../../../oauth/client-admin.js';
import type { ClientRecord } from '../../../store/types.js';
import { CliError } from '../../errors.js';
import { EXIT, type ExitCode } from '../../exit-codes.js';
import { isoTime, relativeTime } from '../../render/time.js';
import { sanitize } from '../../sanitize.js';

/** What authenticates the client, without saying anything about the secret itself. */
export type SecretKind = 'hashed' | 'derived' | 'none';

export function secretKind(c: ClientRecord): SecretKind {
  if (c.role === 'cli') return 'derived';
  return c.type === 'public' || c.secretHash === null ? 'none' : 'hashed';
}

const SECRET_TEXT: Readonly<Record<SecretKind, string>> = {
  hashed: 'secret stored as a hash',
  derived: 'secret derived from the data key',
  none: 'no secret',
};

export function clientJson(c: ClientRecord) {
  return {
    id: c.id,
    name: c.name,
    role: c.role,
    type: c.type,
    secret: secretKind(c),
    redirect_uris: c.redirectUris,
    grant_types: c.grantTypes,
    scopes: c.scopes,
    require_pkce: c.requirePkce,
    created_at: isoTime(c.createdAt),
    updated_at: isoTime(c.updatedAt),
  };
}

/** `urn:ietf:params:oauth:grant-type:device_code` reads as `device_code`. */
function grantTypeText(g: string): string {
  return g === GRANT_TYPES.deviceCode ? 'device_code' : g;
}

/** Stored values may come from a migrated legacy client file: sanitised before printing. */
export function renderClient(c: ClientRecord, now: number, detail?: { activeGrants: number }): string {
  const label = (name: string) => `  ${name.padEnd(15)}`;
  const list = (name: string, values: readonly string[]) =>
    values.length
      ? values.map((v, i) => `${i === 0 ? label(name) : label('')}${sanitize(v, 300)}`)
      : [`${label(name)}(none)`];
  const lines = [
    `${sanitize(c.id, 128)}  ${sanitize(c.name, 100)}`,
    `${label('role')}${c.role} (${c.type}, ${SECRET_TEXT[secretKind(c)]})`,
    `${label('grant types')}${c.grantTypes.map(grantTypeText).join(', ') || '(none: introspection only)'}`,
    ...list('redirect URIs', c.redirectUris),
  ];
  if (detail) {
    lines.push(
      `${label('scopes')}${c.scopes.map((s) => sanitize(s, 64)).join(' ') || '(none)'}`,
      `${label('PKCE')}${c.requirePkce ? 'required' : 'verified when sent'}`,
      `${label('grants')}${detail.activeGrants} active (ma-auth tokens list --client ${sanitize(c.id, 128)})`,
      `${label('updated')}${relativeTime(c.updatedAt, now)}`,
    );
  }
  lines.push(`${label('created')}${relativeTime(c.createdAt, now)}`);
  return lines.join('\n');
}

/** Where each refusal lands (README "Exit codes"): 1 for a missing client or a refusal, 2 for bad input. */
const EXIT_FOR: Readonly<Record<ClientAdminErrorCode, ExitCode>> = {
  not_found: EXIT.error,
  derived_secret: EXIT.error,
  public_client: EXIT.error,
  builtin_client: EXIT.error,
  needs_force: EXIT.error,
  exists: EXIT.error,
  invalid: EXIT.usage,
  no_redirect_uris: EXIT.error,
  not_registered: EXIT.error,
  last_redirect_uri: EXIT.error,
};

/**
 * Turns a ClientAdminError into the CLI error with its exit code. `explain` may
 * say more than the core does (what breaks, what to do instead); it returns
 * null to keep the core's message.
 */
export function refusal(explain: (err: ClientAdminError) => string | null = () => null) {
  return (err: unknown): never => {
    if (err instanceof ClientAdminError) {
      const message = explain(err) ?? `${sanitize(err.message, 2000)}. Nothing was changed.`;
      throw new CliError(EXIT_FOR[err.code], message, { cause: err });
    }
    throw err;
  };
}

export function notFound(id: string): CliError {
  return new CliError(
    EXIT.error,
    `no client "${sanitize(id, 128)}" (ma-auth clients list shows them). Nothing was changed.`,
  );
}
