/**
 * Redirect URIs are matched exactly (DESIGN.md "Security requirements"), so
 * what is registered must be exactly what Alexa sends: absolute https, no fragment.
 */
export function checkRedirectUri(value: string, allowHttp = false): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a valid URL: ${JSON.stringify(value)}`;
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return 'must use https';
  if (url.hash || value.includes('#')) return 'must not contain a fragment (#…)';
  if (url.username || url.password) return 'must not contain a user name or password';
  return null;
}

/** Amazon's account-linking redirect hosts (the console lists one per region). */
export const AMAZON_REDIRECT_HOSTS = [
  'pitangui.amazon.com',
  'layla.amazon.com',
  'alexa.amazon.co.jp',
] as const;

/** True when the URI has the form `https://<amazon host>/api/skill/link/<vendor id>`. */
export function isAmazonRedirectUri(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' &&
      (AMAZON_REDIRECT_HOSTS as readonly string[]).includes(url.hostname) &&
      /^\/api\/skill\/link\/[A-Z0-9]+$/.test(url.pathname)
    );
  } catch {
    return false;
  }
}
