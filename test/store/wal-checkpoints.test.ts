/**
 * The listener's WAL is checkpointed by a worker thread, and commits are held
 * for a moment so SQLite can restart the log (store/sqlite/wal-checkpoints.ts).
 * The cycle's logic is checked against a scripted checkpointer; a real
 * listener store under sustained writes shows the thread checkpointing, the
 * WAL being rewound instead of growing, and nothing lost.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { CheckpointResult } from '../../src/store/sqlite/checkpoint-worker.js';
import { WalCheckpoints } from '../../src/store/sqlite/wal-checkpoints.js';
import { createNumberedGrant, initialisedStore } from './support.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A checkpointer whose every call waits until the test answers it. */
function scripted() {
  const calls: Array<{ resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }> = [];
  let closed = false;
  return {
    calls,
    get closed() {
      return closed;
    },
    checkpoint: () => new Promise<CheckpointResult>((resolve, reject) => calls.push({ resolve, reject })),
    close: async () => {
      closed = true;
    },
  };
}

/** A cycle on a scripted checkpointer: no interval, holding at any WAL size, unless told otherwise. */
function scriptedCycle(options: { intervalMs?: number; holdAtFrames?: number; fallback?: () => void } = {}) {
  const worker = scripted();
  const gate = new WalCheckpoints(worker, {
    intervalMs: options.intervalMs ?? 0,
    holdAtFrames: options.holdAtFrames ?? 0,
    fallback: options.fallback ?? (() => {}),
  });
  return { worker, gate };
}

describe('checkpoint cycle', () => {
  it('holds commits only for the second step, and only when commits landed during the first', async () => {
    const { worker, gate } = scriptedCycle();
    let released = 0;
    gate.onRelease = () => released++;

    gate.committed(); // starts a cycle
    expect(worker.calls).toHaveLength(1);
    expect(gate.holding).toBe(false); // step 1 runs beside commits
    gate.committed(); // a commit during step 1
    worker.calls[0]!.resolve({ log: 100, checkpointed: 100 });
    await tick();
    expect(worker.calls).toHaveLength(2);
    expect(gate.holding).toBe(true);
    worker.calls[1]!.resolve({ log: 120, checkpointed: 120 });
    await tick();
    expect(gate.holding).toBe(false);
    expect(released).toBe(1);

    gate.committed(); // a quiet cycle: nothing committed during step 1
    worker.calls[2]!.resolve({ log: 7, checkpointed: 7 });
    await tick();
    expect(worker.calls).toHaveLength(3);
    expect(gate.holding).toBe(false);
    expect(gate.checkpointStats).toMatchObject({ checkpoints: 3, holds: 1, walFrames: 7, failed: null });
  });

  it('repeats the unheld step while commits keep landing beside it, so the held one is short', async () => {
    const { worker, gate } = scriptedCycle();
    gate.committed();
    for (let pass = 0; pass < 2; pass++) {
      gate.committed();
      gate.committed(); // two commits during this pass: another unheld pass follows
      worker.calls[pass]!.resolve({ log: 1000, checkpointed: 1000 });
      await tick();
      expect(gate.holding).toBe(false);
    }
    expect(worker.calls).toHaveLength(3);
    gate.committed(); // one commit during the third pass: hold for the last few frames
    worker.calls[2]!.resolve({ log: 50, checkpointed: 50 });
    await tick();
    expect(gate.holding).toBe(true);
    expect(worker.calls).toHaveLength(4);
    worker.calls[3]!.resolve({ log: 60, checkpointed: 60 });
    await tick();
    expect(gate.holding).toBe(false);
  });

  it('holds after at most four unheld passes, however busy', async () => {
    const { worker, gate } = scriptedCycle();
    gate.committed();
    for (let pass = 0; pass < 4; pass++) {
      for (let i = 0; i < 5; i++) gate.committed();
      expect(gate.holding).toBe(false);
      worker.calls[pass]!.resolve({ log: 1000, checkpointed: 1000 });
      await tick();
    }
    expect(gate.holding).toBe(true);
    expect(worker.calls).toHaveLength(5);
    worker.calls[4]!.resolve({ log: 10, checkpointed: 10 });
    await tick();
    expect(gate.holding).toBe(false);
  });

  it('does not hold while the WAL is below holdAtFrames: it restarts when a pass finds the log still', async () => {
    const { worker, gate } = scriptedCycle({ holdAtFrames: 5000 });
    gate.committed();
    gate.committed();
    worker.calls[0]!.resolve({ log: 4999, checkpointed: 4999 });
    await tick();
    expect(gate.holding).toBe(false);
    expect(worker.calls).toHaveLength(1);
    gate.committed();
    gate.committed();
    worker.calls[1]!.resolve({ log: 5000, checkpointed: 5000 });
    await tick();
    expect(gate.holding).toBe(true);
  });

  it('waits the interval between cycles', async () => {
    const { worker, gate } = scriptedCycle({ intervalMs: 60_000 });
    gate.committed();
    expect(worker.calls).toHaveLength(0);
  });

  it('hands checkpointing back to SQLite when the worker fails, releasing any hold', async () => {
    let fellBack = 0;
    const { worker, gate } = scriptedCycle({ fallback: () => fellBack++ });
    let released = 0;
    gate.onRelease = () => released++;
    gate.committed();
    gate.committed();
    worker.calls[0]!.resolve({ log: 10, checkpointed: 10 });
    await tick();
    expect(gate.holding).toBe(true);
    worker.calls[1]!.reject(new Error('disk I/O error'));
    await tick();
    expect(gate.holding).toBe(false);
    expect(released).toBe(1);
    expect(fellBack).toBe(1);
    expect(gate.checkpointStats.failed).toBe('disk I/O error');
    gate.committed();
    expect(worker.calls).toHaveLength(2); // no more cycles
  });

  it('closing waits for a running cycle, then closes the worker', async () => {
    const { worker, gate } = scriptedCycle();
    gate.committed();
    const closing = gate.close();
    await tick();
    expect(worker.closed).toBe(false);
    worker.calls[0]!.resolve({ log: 1, checkpointed: 1 });
    await closing;
    expect(worker.closed).toBe(true);
    gate.committed();
    expect(worker.calls).toHaveLength(1);
  });
});

describe("the listener store's checkpoint thread", () => {
  it('checkpoints and rewinds the WAL under sustained writes, and every write lands', async () => {
    const { file, store } = await initialisedStore({ listener: true, checkpoints: { holdAtFrames: 1000 } });
    let n = 0;
    const grant = () => createNumberedGrant(store, n++);
    // SQLite counts the WAL's restarts in its header (the checkpoint sequence
    // number, bytes 12–15): a WAL that is only ever appended to keeps its number.
    const restarts = () => {
      const header = Buffer.alloc(16);
      const fd = openSync(`${file}-wal`, 'r');
      readSync(fd, header, 0, 16, 0);
      closeSync(fd);
      return header.readUInt32BE(12);
    };
    const before = restarts();
    // Four writers for 1.5 s: several 250 ms cycles, with commits landing during each.
    const until = performance.now() + 1500;
    const writer = async () => {
      while (performance.now() < until) await grant();
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    expect(restarts() - before).toBeGreaterThanOrEqual(2);

    const stats = store.checkpointStats!;
    expect(stats.failed).toBeNull();
    expect(stats.checkpoints).toBeGreaterThanOrEqual(3);
    expect(stats.holds).toBeGreaterThanOrEqual(1);
    await store.close();

    const other = new DatabaseSync(file, { readOnly: true });
    expect(other.prepare('SELECT count(*) AS n FROM grants').get()).toEqual({ n });
    other.close();
  });
});
