import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../../src/server/http/turn-batch.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("TurnBatch (the listener handles a turn of the event loop's requests together)", () => {
  it('runs nothing while the turn goes on, then everything added in it, in order, in one go', async () => {
    const ran: string[] = [];
    const batch = new TurnBatch<string>((item) => ran.push(`${item} (${batch.size} left waiting)`));
    batch.add('a');
    batch.add('b');
    await Promise.resolve(); // microtasks of the same turn: still waiting
    expect(ran).toEqual([]);
    expect(batch.size).toBe(2);
    batch.add('c');
    await nextTurn();
    // Nothing was waiting any more while they ran: they were taken together.
    expect(ran).toEqual(['a (0 left waiting)', 'b (0 left waiting)', 'c (0 left waiting)']);
  });

  it('what is added while a batch runs waits for the next one', async () => {
    const ran: string[] = [];
    const batch = new TurnBatch<string>((item) => {
      ran.push(item);
      if (item === 'first') batch.add('added meanwhile');
    });
    batch.add('first');
    batch.add('second');
    await nextTurn();
    expect(ran).toEqual(['first', 'second']);
    await nextTurn();
    expect(ran).toEqual(['first', 'second', 'added meanwhile']);
  });

  it('one item that throws does not drop the others; the first error is reported once', async () => {
    const ran: string[] = [];
    const errors: unknown[] = [];
    const batch = new TurnBatch<string>(
      (item) => {
        if (item.startsWith('bad')) throw new Error(item);
        ran.push(item);
      },
      { onError: (err) => errors.push(err) },
    );
    for (const item of ['a', 'bad 1', 'b', 'bad 2', 'c']) batch.add(item);
    await nextTurn();
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(errors).toEqual([new Error('bad 1')]);
  });
});
