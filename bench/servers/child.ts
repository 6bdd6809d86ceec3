/**
 * The child side of a bench server: announce readiness over IPC, and stop
 * gracefully on SIGTERM or a `stop` message. The parent measures the process
 * from outside (/proc), so nothing here counts anything.
 */

export function announceReady(fields: Record<string, unknown>): void {
  process.send?.({ type: 'ready', pid: process.pid, ...fields });
}

/** Calls `close` once on SIGTERM/SIGINT/`stop`, then exits (the IPC channel would keep the process alive). */
export function onStop(close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`bench server: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('message', (msg) => {
    if ((msg as { type?: unknown })?.type === 'stop') stop();
  });
  process.on('disconnect', stop);
}

export function argPort(value: string | undefined): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`bad port ${value}`);
  return port;
}
