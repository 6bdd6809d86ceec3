/**
 * Security headers (DESIGN.md "Security requirements").
 *
 * Every response gets the base set; pages replace the CSP with one that lets
 * them load the stylesheet and submit their form. No page has any script, so
 * no CSP ever needs 'unsafe-inline' or a nonce.
 */
import type { Config } from '../../config/config.js';

/** One year, the usual HSTS minimum for preload-quality set-ups; no includeSubDomains: the owner's other hosts are theirs to decide. */
const HSTS = 'max-age=31536000';

/** For JSON and redirects: nothing may be loaded, framed or submitted. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function baseSecurityHeaders(config: Config): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': API_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  // Browsers ignore HSTS over plain http, and the listener itself speaks http
  // behind the TLS-terminating tunnel: what matters is the public URL.
  if (isHttps(config.publicUrl)) headers['Strict-Transport-Security'] = HSTS;
  return headers;
}

/**
 * CSP for an HTML page. `formTargets` are URLs a form on the page may end up
 * at: Chromium applies `form-action` to the redirects that follow a form POST,
 * so the consent page must allow the origin of the client's redirect URI
 * (where /alexa/approve sends the browser with the code) besides 'self'.
 * A page without a form passes none and gets `form-action 'none'`.
 */
export function pageCsp(formTargets: readonly string[] | null): string {
  const formAction =
    formTargets === null ? "'none'" : ["'self'", ...formTargets.flatMap(cspSource)].join(' ');
  return [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The page-level headers on top of the base set. */
export function pageSecurityHeaders(formTargets: readonly string[] | null): Record<string, string> {
  return { 'Content-Security-Policy': pageCsp(formTargets) };
}

/**
 * A CSP source for a URL: its origin for http(s), its scheme for anything
 * else (a native app's `com.example.app:/cb`). Built from a parsed URL, never
 * from the raw string, so no `;` or space can inject a directive.
 */
function cspSource(target: string): string[] {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return [];
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') return [url.origin];
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? [url.protocol] : [];
}

export function isHttps(publicUrl: string): boolean {
  return publicUrl.toLowerCase().startsWith('https://');
}
