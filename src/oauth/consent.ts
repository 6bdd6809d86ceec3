/**
 * The consent decision (POST /alexa/approve): deny, or approve with the
 * pairing code `ma-auth link` printed (DESIGN.md "Linking Alexa" step 5).
 *
 * Only a pending pairing created by the `ma-auth-cli` client can approve a
 * link, so only the key holder can link an Alexa account. Wrong codes count
 * against the request (dead at 5) and against the client address.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.1
 */
import { constantEquals } from '../crypto/constant-equals.js';
import { sha256Hex } from '../crypto/hash.js';
import { randomToken } from '../crypto/random-token.js';
import type { PendingRequestRecord } from '../store/types.js';
import { audit, auditEvent } from './audit.js';
import { AuthorizationPageError } from './authorize-errors.js';
import { CLI_CLIENT_ID } from './builtin-clients.js';
import { type ConsentView, consentView } from './consent-view.js';
import type { OAuthDeps, RequestMeta } from './context.js';
import { emit } from './events.js';
import { addressLocked, countAddressFailure } from './pairing-limits.js';
import { AUTHORIZATION_CODE_TTL_S, MAX_PAIRING_ATTEMPTS_PER_REQUEST } from './policy.js';
import { appendQuery } from './redirect.js';
import { normaliseUserCode, userCodeHash } from './user-code.js';

export interface ConsentDecision {
  readonly requestId: string;
  readonly csrfToken: string;
  readonly action: 'approve' | 'deny';
  /** The pairing code as typed; required to approve. */
  readonly userCode?: string | undefined;
}

export type ConsentOutcome =
  /** Send the browser back to the client (303). */
  | { readonly kind: 'redirect'; readonly location: string }
  /** Show the consent page again with a message; the request is still alive. */
  | {
      readonly kind: 'retry';
      readonly problem: 'wrong_code' | 'malformed_code';
      readonly view: ConsentView;
    };

const EXPIRED = 'This link request has expired or was already used. Start again from the Alexa app.';
const LOCKED = 'Too many wrong pairing codes for this request. Start again from the Alexa app.';

export async function decideConsent(
  decision: ConsentDecision,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<ConsentOutcome> {
  const idHash = sha256Hex(decision.requestId);
  const request = await deps.store.getPendingRequest(idHash);
  if (!request) throw new AuthorizationPageError('request_expired', EXPIRED);
  if (!constantEquals(sha256Hex(decision.csrfToken), request.csrfHash)) {
    throw new AuthorizationPageError(
      'csrf_mismatch',
      'The form could not be verified. Reload and try again.',
      403,
    );
  }
  if (deps.now() >= request.expiresAt) throw new AuthorizationPageError('request_expired', EXPIRED);
  if (request.failedAttempts >= MAX_PAIRING_ATTEMPTS_PER_REQUEST) {
    if (decision.action === 'approve') emit(deps, { kind: 'pairing_attempt', outcome: 'locked_out' });
    throw new AuthorizationPageError('request_locked', LOCKED, 403);
  }
  if (decision.action === 'deny') return deny(request, deps, meta);
  return approve(request, decision, deps, meta);
}

async function deny(
  request: PendingRequestRecord,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<ConsentOutcome> {
  if (!(await deps.store.deletePendingRequest(request.idHash))) {
    throw new AuthorizationPageError('request_expired', EXPIRED);
  }
  await audit(deps, { kind: 'link_denied', severity: 'info', clientId: request.clientId, meta });
  emit(deps, { kind: 'authorization', outcome: 'denied' });
  return redirect(request, { error: 'access_denied', error_description: 'the owner denied the request' });
}

async function approve(
  request: PendingRequestRecord,
  decision: ConsentDecision,
  deps: OAuthDeps,
  meta: RequestMeta,
): Promise<ConsentOutcome> {
  const client = await deps.store.getClient(request.clientId);
  const owner = await deps.store.owner();
  if (!client || !owner) throw new AuthorizationPageError('request_expired', EXPIRED);
  if (await addressLocked(deps, meta)) {
    emit(deps, { kind: 'pairing_attempt', outcome: 'locked_out' });
    throw new AuthorizationPageError(
      'address_locked',
      'Too many wrong pairing codes from your network. Wait 15 minutes and try again.',
      429,
    );
  }
  const retry = (problem: 'wrong_code' | 'malformed_code', failedAttempts: number): ConsentOutcome => ({
    kind: 'retry',
    problem,
    view: consentView({
      requestId: decision.requestId,
      csrfToken: decision.csrfToken,
      client,
      scope: request.scope,
      redirectUri: request.redirectUri,
      expiresAt: request.expiresAt,
      attemptsLeft: MAX_PAIRING_ATTEMPTS_PER_REQUEST - failedAttempts,
    }),
  });
  // A typo in the format costs no attempt: it cannot be a guess.
  const userCode = normaliseUserCode(decision.userCode ?? '');
  if (!userCode) return retry('malformed_code', request.failedAttempts);

  const now = deps.now();
  const code = randomToken('authorizationCode');
  const result = await deps.store.approvePendingRequest({
    requestIdHash: request.idHash,
    userCodeHash: userCodeHash(deps.key, userCode),
    now,
    ownerId: owner.id,
    pairingClientId: CLI_CLIENT_ID,
    maxFailedAttempts: MAX_PAIRING_ATTEMPTS_PER_REQUEST,
    code: { hash: sha256Hex(code), expiresAt: now + AUTHORIZATION_CODE_TTL_S * 1000 },
    linkedAudit: (deviceAuthorizationId) =>
      auditEvent(deps, {
        kind: 'linked',
        severity: 'info',
        clientId: request.clientId,
        meta,
        detail: { scope: request.scope, deviceAuthorizationId },
      }),
  });
  switch (result.outcome) {
    case 'not_found':
    case 'expired':
      throw new AuthorizationPageError('request_expired', EXPIRED);
    case 'locked':
      emit(deps, { kind: 'pairing_attempt', outcome: 'locked_out' });
      throw new AuthorizationPageError('request_locked', LOCKED, 403);
    case 'wrong_code':
      return wrongCode(request, result.failedAttempts, deps, meta, retry);
    case 'linked':
      emit(deps, { kind: 'pairing_attempt', outcome: 'ok' });
      emit(deps, { kind: 'authorization', outcome: 'approved' });
      return redirect(request, { code });
  }
}

async function wrongCode(
  request: PendingRequestRecord,
  failedAttempts: number,
  deps: OAuthDeps,
  meta: RequestMeta,
  retry: (problem: 'wrong_code', failedAttempts: number) => ConsentOutcome,
): Promise<ConsentOutcome> {
  const addressNowLocked = await countAddressFailure(deps, meta);
  const requestNowLocked = failedAttempts >= MAX_PAIRING_ATTEMPTS_PER_REQUEST;
  emit(deps, { kind: 'pairing_attempt', outcome: 'wrong_code' });
  await audit(deps, {
    kind: 'pairing_failed',
    severity: 'warning',
    clientId: request.clientId,
    meta,
    detail: { failedAttempts },
  });
  if (requestNowLocked || addressNowLocked) {
    await audit(deps, {
      kind: 'pairing_locked',
      severity: 'warning',
      clientId: request.clientId,
      meta,
      detail: { lockedBy: requestNowLocked ? 'request' : 'address', failedAttempts },
    });
    emit(deps, { kind: 'pairing_lockout', by: requestNowLocked ? 'request' : 'address' });
  }
  if (requestNowLocked) throw new AuthorizationPageError('request_locked', LOCKED, 403);
  return retry('wrong_code', failedAttempts);
}

/** The client's redirect URI with `state` echoed exactly as received. */
function redirect(request: PendingRequestRecord, params: Record<string, string>): ConsentOutcome {
  return {
    kind: 'redirect',
    location: appendQuery(request.redirectUri, { ...params, state: request.state }),
  };
}
