/** The polling loop of `ma-auth link`, on a fake clock (RFC 8628 §3.5). */
import { describe, expect, it } from 'vitest';
import type { PollAnswer } from '../../src/cli/commands/link/device-client.js';
import { type PollEvent, pollUntilDone } from '../../src/cli/commands/link/poll.js';

function harness(answers: PollAnswer[], opts: { intervalS?: number; deadlineS?: number } = {}) {
  let now = 0;
  const polls: number[] = [];
  const events: PollEvent[] = [];
  const abort = new AbortController();
  const run = pollUntilDone(
    { intervalS: opts.intervalS ?? 5, deadline: (opts.deadlineS ?? 600) * 1000, signal: abort.signal },
    {
      now: () => now,
      sleep: async (ms, signal) => {
        if (signal.aborted) throw new Error('aborted');
        now += ms;
      },
      poll: async () => {
        polls.push(now / 1000);
        const next = answers.shift();
        if (!next) throw new Error('no more scripted answers');
        return next;
      },
      onEvent: (e) => void events.push(e),
    },
  );
  return { run, polls, events, abort };
}

const linked: PollAnswer = {
  kind: 'linked',
  linkedClientId: 'amazon-alexa',
  scope: 'music.read',
  linkedAt: 1,
};

describe('pollUntilDone', () => {
  it('waits one interval before each poll and returns the link', async () => {
    const h = harness([{ kind: 'pending' }, { kind: 'pending' }, linked]);
    expect(await h.run).toEqual(linked);
    expect(h.polls).toEqual([5, 10, 15]);
  });

  it('adds 5 s to the interval on every slow_down, for good', async () => {
    const h = harness([
      { kind: 'slow_down', interval: null },
      { kind: 'pending' },
      { kind: 'slow_down', interval: null },
      { kind: 'pending' },
      linked,
    ]);
    await h.run;
    expect(h.polls).toEqual([5, 15, 25, 40, 55]);
    expect(h.events).toEqual([
      { event: 'slow_down', interval: 10 },
      { event: 'slow_down', interval: 15 },
    ]);
  });

  it('takes a larger interval the listener sends with slow_down', async () => {
    const h = harness([{ kind: 'slow_down', interval: 30 }, linked]);
    await h.run;
    expect(h.polls).toEqual([5, 35]);
  });

  it('backs off exponentially on network errors, then resumes the interval', async () => {
    const h = harness([
      { kind: 'retry', reason: 'ECONNREFUSED', retryAfterS: null },
      { kind: 'retry', reason: 'ECONNREFUSED', retryAfterS: null },
      { kind: 'pending' },
      linked,
    ]);
    await h.run;
    expect(h.polls).toEqual([5, 15, 35, 40]);
    expect(h.events.map((e) => e.event)).toEqual(['retrying', 'retrying']);
  });

  it('honours Retry-After', async () => {
    const h = harness([{ kind: 'retry', reason: 'rate limited', retryAfterS: 42 }, linked]);
    await h.run;
    expect(h.polls).toEqual([5, 47]);
  });

  it('denied and expired end the loop', async () => {
    expect(await harness([{ kind: 'denied' }]).run).toEqual({ kind: 'denied' });
    expect(await harness([{ kind: 'expired' }]).run).toEqual({ kind: 'expired', by: 'server' });
  });

  it('the local deadline ends it as a timeout, with no poll past it', async () => {
    const h = harness([{ kind: 'pending' }, { kind: 'pending' }], { deadlineS: 12 });
    expect(await h.run).toEqual({ kind: 'expired', by: 'timeout' });
    expect(h.polls).toEqual([5, 10]);
  });

  it('the deadline while the listener is unreachable reports why', async () => {
    const h = harness([{ kind: 'retry', reason: 'ECONNRESET', retryAfterS: null }], { deadlineS: 12 });
    expect(await h.run).toEqual({ kind: 'unreachable', reason: 'ECONNRESET' });
  });

  it('an abort (Ctrl-C) is a cancellation', async () => {
    const h = harness([{ kind: 'pending' }]);
    h.abort.abort();
    expect(await h.run).toEqual({ kind: 'cancelled' });
  });
});
