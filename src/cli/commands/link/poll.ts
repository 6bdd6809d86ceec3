/**
 * Polling the token endpoint until the pairing ends (RFC 8628 §3.4-3.5):
 * wait `interval` seconds before each poll; on `slow_down` add 5 seconds for
 * good; on a network error back off exponentially (doubling, at most 60 s)
 * and keep trying until the deadline. Clock, sleep and the poll itself are
 * injected, so this loop is tested without a network or real time.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
import type { PollAnswer } from './device-client.js';

/** RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests". */
export const SLOW_DOWN_STEP_S = 5;
const MAX_BACKOFF_MS = 60_000;

export type PollEvent =
  | { readonly event: 'slow_down'; readonly interval: number }
  | { readonly event: 'retrying'; readonly reason: string; readonly retryInS: number };

export type PollOutcome =
  | Extract<PollAnswer, { kind: 'linked' }>
  | { readonly kind: 'denied' }
  /** `by`: the listener said `expired_token`, or the local deadline (--timeout) passed. */
  | { readonly kind: 'expired'; readonly by: 'server' | 'timeout' }
  /** The deadline passed while the listener could not be reached. */
  | { readonly kind: 'unreachable'; readonly reason: string }
  | { readonly kind: 'cancelled' };

export interface PollLoop {
  poll(signal: AbortSignal): Promise<PollAnswer>;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  onEvent(event: PollEvent): void;
}

export async function pollUntilDone(
  options: { readonly intervalS: number; readonly deadline: number; readonly signal: AbortSignal },
  loop: PollLoop,
): Promise<PollOutcome> {
  const { signal, deadline } = options;
  let intervalS = options.intervalS;
  let waitMs = intervalS * 1000;
  let failures = 0;
  let lastFailure: string | null = null;
  for (;;) {
    const left = deadline - loop.now();
    try {
      if (waitMs >= left) {
        await loop.sleep(Math.max(0, left), signal);
        return lastFailure
          ? { kind: 'unreachable', reason: lastFailure }
          : { kind: 'expired', by: 'timeout' };
      }
      await loop.sleep(waitMs, signal);
      const answer = await loop.poll(signal);
      switch (answer.kind) {
        case 'linked':
          return answer;
        case 'denied':
          return { kind: 'denied' };
        case 'expired':
          return { kind: 'expired', by: 'server' };
        case 'pending':
          failures = 0;
          lastFailure = null;
          waitMs = intervalS * 1000;
          break;
        case 'slow_down':
          failures = 0;
          lastFailure = null;
          intervalS = Math.max(intervalS + SLOW_DOWN_STEP_S, answer.interval ?? 0);
          waitMs = intervalS * 1000;
          loop.onEvent({ event: 'slow_down', interval: intervalS });
          break;
        case 'retry': {
          failures++;
          lastFailure = answer.reason;
          const backoff = Math.min(intervalS * 1000 * 2 ** failures, MAX_BACKOFF_MS);
          waitMs = Math.max(backoff, (answer.retryAfterS ?? 0) * 1000);
          loop.onEvent({ event: 'retrying', reason: answer.reason, retryInS: Math.round(waitMs / 1000) });
          break;
        }
      }
    } catch (err) {
      if (signal.aborted) return { kind: 'cancelled' };
      throw err;
    }
  }
}
