/**
 * Scopes: what a token lets its holder do, with the plain words the consent
 * page and `ma-auth approve` use.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */

/** Scopes the Alexa skill asks for, with the plain words the consent page uses. */
export const ALEXA_SCOPES = ['music.read', 'music.control'] as const;

/**
 * The scope of the CLI's "what was linked" token (DESIGN.md "Linking Alexa"
 * step 7). Introspection reports it; no resource scope includes it, so the
 * token opens nothing in Music Assistant.
 */
export const LINK_STATUS_SCOPE = 'link:status';

export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'music.read': 'see your Music Assistant library, players and what is playing',
  'music.control': 'play, pause and change music on your Music Assistant players',
  [LINK_STATUS_SCOPE]: 'see which Alexa link a pairing code created',
};

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Space-delimited scope → distinct tokens in order, or null when malformed. */
export function parseScope(value: string): string[] | null {
  const tokens = value.split(' ').filter(Boolean);
  if (!tokens.every((t) => SCOPE_TOKEN.test(t))) return null;
  return [...new Set(tokens)];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/**
 * The scope to grant for a request: what was asked for if every part of it is
 * allowed, everything allowed when nothing was asked for (RFC 6749 §3.3 permits
 * a documented default), or null (→ `invalid_scope`).
 */
export function resolveScope(requested: string | undefined, allowed: readonly string[]): string[] | null {
  if (requested === undefined || requested.trim() === '') return [...allowed];
  const scopes = parseScope(requested);
  if (!scopes || scopes.length === 0) return null;
  return scopes.every((s) => allowed.includes(s)) ? scopes : null;
}

export function describeScopes(scopes: readonly string[]): { name: string; description: string }[] {
  return scopes.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] ?? name }));
}
