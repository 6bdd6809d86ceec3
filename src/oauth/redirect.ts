/**
 * Building the redirect back to the client. The registered URI is kept byte
 * for byte (its own query included) and the parameters are appended, because
 * URL/URLSearchParams would re-encode an existing query.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export function appendQuery(
  uri: string,
  params: Readonly<Record<string, string | null | undefined>>,
): string {
  const pairs = Object.entries(params)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  if (pairs.length === 0) return uri;
  const separator = !uri.includes('?') ? '?' : uri.endsWith('?') || uri.endsWith('&') ? '' : '&';
  return uri + separator + pairs.join('&');
}
