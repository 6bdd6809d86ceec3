/**
 * Test hook for crash-safety tests: the process SIGKILLs itself — a real
 * `kill -9` — at a known place (mid-write, mid-transaction, between "commit
 * store" and "promote key"):
 *
 * - MA_AUTH_TEST_CRASH_AFTER_STEP=N: at the N-th crash point reached;
 * - MA_AUTH_TEST_CRASH_AT=<name>: at the first crash point of that name
 *   (e.g. `rotate:committed`).
 *
 * Unset (always, outside tests), a crash point does nothing. Long operations
 * call it between every step that changes something on disk.
 */
const afterStep = Number(process.env.MA_AUTH_TEST_CRASH_AFTER_STEP ?? 0);
const atName = process.env.MA_AUTH_TEST_CRASH_AT ?? '';
let reached = 0;

export function crashPoint(name: string): void {
  if (!(afterStep > 0) && atName === '') return;
  reached += 1;
  if (reached !== afterStep && name !== atName) return;
  process.kill(process.pid, 'SIGKILL');
  // The kernel delivers it on the way back from kill(2); never run another step meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
}
