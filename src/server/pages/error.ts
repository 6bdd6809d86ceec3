/**
 * The error page: what went wrong in plain words, and what to do next.
 * Used for every error on a page route (authorize, approve, link) — in
 * particular for a bad client or redirect URI, which must be shown, never
 * redirected (RFC 6749 §4.1.2.1).
 */
import type { Config } from '../../config/config.js';
import type { PageErrorReason } from '../../oauth/authorize-errors.js';
import type { OAuthErrorCode } from '../../oauth/errors.js';
import { pageSecurityHeaders } from '../http/security-headers.js';
import type { RenderedPage } from './consent.js';
import { html, layout } from './layout.js';

/** RFC error codes, the core's page-error reasons, and the router's own two. */
export type PageErrorCode = OAuthErrorCode | PageErrorReason | 'not_found' | 'method_not_allowed';

export interface ErrorPageInput {
  readonly code: PageErrorCode;
  /** The error's client-safe description (OAuthError.description); omitted for server errors. */
  readonly detail?: string | null;
  readonly retryAfterSeconds?: number | null;
}

interface Words {
  readonly title: string;
  readonly explanation: string;
  readonly action: string;
}

const START_AGAIN = 'Start linking again from the Alexa app (your skill → Link account).';

function words(input: ErrorPageInput): Words {
  switch (input.code) {
    case 'access_denied':
      return {
        title: 'Linking was not approved',
        explanation: 'The request was denied.',
        action: START_AGAIN,
      };
    case 'expired_token':
    case 'request_expired':
      return {
        title: 'This request has expired',
        explanation: 'Linking requests and pairing codes are valid for a few minutes only.',
        action: `${START_AGAIN} If you need a new pairing code, run ma-auth link on the computer that runs Music Assistant.`,
      };
    case 'invalid_client':
    case 'unauthorized_client':
    // A redirect URI the client did not register is a set-up mismatch (the
    // Alexa console vs `init`), not a tampered link: starting again cannot help.
    case 'invalid_redirect_uri':
      return {
        title: 'This app is not set up for linking',
        explanation: 'The app that sent you here is not registered with this Music Assistant.',
        action: 'The owner can compare them with: ma-auth clients show <client id>',
      };
    case 'request_locked':
      return {
        title: 'Too many wrong codes',
        explanation: 'This linking request took too many wrong pairing codes and was stopped.',
        action: `${START_AGAIN} Check the code that ma-auth link shows before typing it.`,
      };
    case 'csrf_mismatch':
      return {
        title: 'The form could not be verified',
        explanation: 'The approval form was changed, is too old, or was sent from another page.',
        action: START_AGAIN,
      };
    case 'address_locked':
      return {
        title: 'Too many wrong codes',
        explanation: 'There were too many wrong pairing codes from your network.',
        action: 'Wait before trying again (see the details). Check the code that ma-auth link shows first.',
      };
    case 'temporarily_unavailable':
      return {
        title: 'Too many attempts',
        explanation: 'There were too many requests from your network in a short time.',
        action: `Wait ${minutes(input.retryAfterSeconds ?? 60)}, then try again.`,
      };
    case 'not_found':
      return {
        title: 'Page not found',
        explanation: 'There is nothing at this address.',
        action: START_AGAIN,
      };
    case 'method_not_allowed':
      return {
        title: 'This page cannot be used that way',
        explanation: 'The browser sent a kind of request this page does not accept.',
        action: START_AGAIN,
      };
    case 'server_error':
      return {
        title: 'Something went wrong',
        explanation: 'The linking server hit an unexpected problem.',
        action: 'Try again in a moment. If it keeps happening, the owner can look at the listener log.',
      };
    default:
      return {
        title: 'This linking request is not valid',
        explanation: 'The link that brought you here is incomplete or was changed.',
        action: START_AGAIN,
      };
  }
}

export function renderErrorPage(config: Pick<Config, 'publicUrl'>, input: ErrorPageInput): RenderedPage {
  const w = words(input);
  const body = html`<h1>${w.title}</h1>
<p>${w.explanation}</p>
${input.detail ? html`<p class="muted">Details: ${input.detail}</p>` : null}
<p>${w.action}</p>`;
  return { html: layout(config, { title: w.title, body }), headers: pageSecurityHeaders(null) };
}

function minutes(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} seconds`;
  const m = Math.ceil(seconds / 60);
  return m === 1 ? 'a minute' : `${m} minutes`;
}
