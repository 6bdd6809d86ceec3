/**
 * The consent page (GET /alexa/authorize, and again after a wrong code).
 *
 * It says who asks and what they may do in plain words, asks for the pairing
 * code that only the owner can obtain (`ma-auth link` on the host), and posts
 * to /alexa/approve with the pending request id and its CSRF token. No
 * script: the browser's own form handling does everything, and the error
 * (if any) is part of the page, as Alexa requires.
 */
import type { Config } from '../../config/config.js';
import { pageSecurityHeaders } from '../http/security-headers.js';
import type { ConsentOutcome, ConsentView } from '../protocol.js';
import { PATHS, pageHref } from '../urls.js';
import { html, layout } from './layout.js';

export interface ConsentPageInput {
  readonly view: ConsentView;
  /** Pre-filled pairing code: what the user typed, or the code remembered by /link. */
  readonly userCode: string | null;
  /** Shown above the field, e.g. "That code is not right. 3 tries left." */
  readonly error: string | null;
}

export interface RenderedPage {
  readonly html: string;
  readonly headers: Record<string, string>;
}

/** Names of the form fields /alexa/approve reads. */
export const CONSENT_FIELDS = {
  requestId: 'request_id',
  csrfToken: 'csrf',
  userCode: 'user_code',
  action: 'action',
} as const;

export function renderConsentPage(config: Pick<Config, 'publicUrl'>, input: ConsentPageInput): RenderedPage {
  const { view, error } = input;
  const returnHost = hostOf(view.redirectUri);
  const errorId = 'code-error';
  const body = html`<h1>Link ${view.client.name} to your Music Assistant</h1>
<p>${view.client.name} is asking for permission to:</p>
<ul>
${view.scopes.map((s) => html`<li>${s.description}</li>\n`)}</ul>
<form method="post" action="${pageHref(config, PATHS.approve)}">
<input type="hidden" name="${CONSENT_FIELDS.requestId}" value="${view.requestId}">
<input type="hidden" name="${CONSENT_FIELDS.csrfToken}" value="${view.csrfToken}">
${error ? html`<p class="error" id="${errorId}" role="alert">${error}</p>` : null}
<label for="user_code">Pairing code</label>
<span class="hint" id="code-hint">On the computer that runs Music Assistant, run <code>ma-auth link</code> and type the code it shows (for example WDJB-MJHT).</span>
<input type="text" id="user_code" name="${CONSENT_FIELDS.userCode}" value="${input.userCode ?? ''}"
 autocomplete="one-time-code" inputmode="text" autocapitalize="characters" autocorrect="off" spellcheck="false"
 maxlength="16" required aria-describedby="${error ? `${errorId} code-hint` : 'code-hint'}"${error ? html` aria-invalid="true"` : null}>
<div class="actions">
<button type="submit" class="primary" name="${CONSENT_FIELDS.action}" value="approve">Approve</button>
<button type="submit" class="secondary" name="${CONSENT_FIELDS.action}" value="deny" formnovalidate>Deny</button>
</div>
</form>
${returnHost ? html`<p class="muted">After you choose, you go back to ${returnHost}.</p>` : null}`;
  return {
    html: layout(config, { title: `Link ${view.client.name}`, body }),
    // The POST answers with a redirect to the client: form-action must allow it.
    headers: pageSecurityHeaders([view.redirectUri]),
  };
}

/** The words for a failed approval that keeps the request alive. `typed` is what the user entered. */
export function retryMessage(outcome: Extract<ConsentOutcome, { kind: 'retry' }>, typed: string): string {
  if (outcome.problem === 'malformed_code') {
    return typed.trim() === ''
      ? 'Enter the pairing code that ma-auth link shows.'
      : 'A pairing code is 8 letters, like WDJB-MJHT. Check it and try again.';
  }
  const n = outcome.view.attemptsLeft;
  if (n <= 0) return 'That code is not right, and there are no tries left. Start again from the Alexa app.';
  return `That code is not right. ${n} ${n === 1 ? 'try' : 'tries'} left.`;
}

function hostOf(uri: string): string | null {
  try {
    return new URL(uri).host || null;
  } catch {
    return null;
  }
}
