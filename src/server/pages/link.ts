/**
 * The /link page: where the QR code printed by `ma-auth link` leads. It shows
 * the pairing code large (to copy or read off) and what to do with it, and
 * remembers the code in a short-lived cookie so that the consent page, opened
 * by the Alexa app in the same browser, is pre-filled.
 *
 * The page never looks the code up: a page that said "valid" or "unknown"
 * would be a guessing oracle outside the consent page's attempt limits.
 */
import type { Config } from '../../config/config.js';
import { formatUserCode, normaliseUserCode } from '../../oauth/user-code.js';
import { pageSecurityHeaders } from '../http/security-headers.js';
import type { RenderedPage } from './consent.js';
import { html, layout } from './layout.js';

/** Pairing codes live 10 minutes (DESIGN.md); the cookie need not outlive them. */
export const PAIRING_COOKIE_MAX_AGE = 600;
const COOKIE_NAME = 'ma_auth_pairing';
/** `__Host-` pins the cookie to this host, path / and https (RFC 6265bis §4.1.3.2). */
const HOST_COOKIE_NAME = `__Host-${COOKIE_NAME}`;

export function renderLinkPage(config: Pick<Config, 'publicUrl'>, userCode: string | null): RenderedPage {
  const body = userCode
    ? html`<h1>Your pairing code</h1>
<p class="code" aria-label="Pairing code ${userCode.split('').join(' ')}">${userCode}</p>
<ol>
<li>Open the Alexa app.</li>
<li>Go to your Music Assistant skill (More → Skills &amp; Games → Your Skills).</li>
<li>Tap <strong>Link account</strong> (or Settings → Link account).</li>
<li>Enter this code when asked, then tap <strong>Approve</strong>.</li>
</ol>
<p class="muted">The code works once and expires 10 minutes after <code>ma-auth link</code> showed it. If you open the linking page in this browser, the code is filled in for you.</p>`
    : html`<h1>No pairing code here</h1>
<p>This page shows the code from <code>ma-auth link</code>, but the link you opened has no valid code.</p>
<p>On the computer that runs Music Assistant, run <code>ma-auth link</code> again and scan the new QR code, or type the code it prints.</p>`;
  return {
    html: layout(config, { title: userCode ? 'Your pairing code' : 'No pairing code', body }),
    headers: pageSecurityHeaders(null),
  };
}

export interface CookieScope {
  /** Send only over https: true when the public URL (or the request) is https. */
  readonly secure: boolean;
  /** The public URL's path prefix ('' for none). */
  readonly basePath: string;
}

/** `Set-Cookie` remembering the code: HttpOnly (no script needs it), SameSite=Lax (sent on the Alexa app's top-level navigation). */
export function pairingCookie(userCode: string, scope: CookieScope): string {
  return cookie(userCode.replace(/-/g, ''), PAIRING_COOKIE_MAX_AGE, scope);
}

/** `Set-Cookie` forgetting the code (after it was used). */
export function clearPairingCookie(scope: CookieScope): string {
  return cookie('', 0, scope);
}

function cookie(value: string, maxAge: number, scope: CookieScope): string {
  const hostOnly = scope.secure && scope.basePath === '';
  const name = hostOnly ? HOST_COOKIE_NAME : COOKIE_NAME;
  const path = scope.basePath === '' ? '/' : scope.basePath;
  return `${name}=${value}; Max-Age=${maxAge}; Path=${path}; HttpOnly; SameSite=Lax${scope.secure ? '; Secure' : ''}`;
}

/** The remembered code from a `Cookie` header (display form); null when absent or malformed. */
export function readPairingCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name !== HOST_COOKIE_NAME && name !== COOKIE_NAME) continue;
    const code = displayUserCode(part.slice(eq + 1).trim());
    if (code) return code;
  }
  return null;
}

/** `wdjb mjht` → `WDJB-MJHT` by the core's user-code rules; null when it cannot be a code. */
export function displayUserCode(raw: string): string | null {
  const code = normaliseUserCode(raw);
  return code ? formatUserCode(code) : null;
}
