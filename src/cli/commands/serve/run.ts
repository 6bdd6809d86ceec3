/**
 * `ma-auth serve`: the listener in the foreground, or `--detach`ed.
 *
 * The foreground listener writes no pid file (systemd and Docker track their
 * own process); a detached one's pid file is written by the parent that
 * spawned it, and removed by whoever sees it end.
 */
import { type Config, parseListen } from '../../../config/config.js';
import { openKeyFollowingStore } from '../../../ops/rotate-key/follow.js';
import { createLogger } from '../../../server/log.js';
import { startServer } from '../../../server/serve.js';
import { type Deps, loadInstall } from '../../deps.js';
import { CliError, usageError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { emitJson } from '../../io.js';
import { formatListen, type Listen, removePidFile, startDetached } from '../../listener-process.js';
import type { ServeFlags } from './index.js';

export async function runServe(flags: ServeFlags, deps: Deps): Promise<void> {
  if (flags.json && !flags.detach)
    throw usageError('--json goes with --detach (in the foreground the logs are JSON already)');
  const override = flags.listen === undefined ? null : parseListen(flags.listen);
  if (flags.listen !== undefined && !override) {
    throw usageError(`--listen must be host:port, e.g. 127.0.0.1:8787 (got ${JSON.stringify(flags.listen)})`);
  }
  const { config, resolved } = await loadInstall(deps);
  const listen: Listen = override ?? config.listen;
  if (flags.detach) return detach(flags, deps, listen);

  const log = createLogger();
  // The store and key follow a `ma-auth rotate-key` run beside the listener (src/ops/rotate-key/follow.ts).
  const { store, key } = await openKeyFollowingStore(
    {
      env: deps.env,
      paths: deps.paths,
      keyStore: config.keyStore,
      keychain: deps.keychain,
      storeFile: deps.paths.storeFile,
    },
    resolved.key,
    (previous, next) =>
      log.info('data key rotated; using the new key', { previous: previous.id, key: next.id }),
  );
  const serveConfig: Config = { ...config, listen };
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ config: serveConfig, store, key, log });
  } catch (err) {
    await store.close().catch(() => {});
    throw listenError(err, listen);
  }
  try {
    await server.closed;
  } finally {
    // A detached listener ending: its pid file goes with it (only if it names this process).
    await removePidFile(deps.paths.pidFile, process.pid);
  }
}

async function detach(flags: ServeFlags, deps: Deps, listen: Listen): Promise<void> {
  const outcome = await startDetached(deps, listen);
  if (flags.json) {
    const { kind, ...fields } = outcome;
    emitJson(deps.io, { event: kind === 'already' ? 'already_running' : 'started', ...fields });
    return;
  }
  if (outcome.kind === 'already') {
    deps.io.out(
      `A listener already answers on ${outcome.address}${outcome.pid ? ` (pid ${outcome.pid})` : ''}; nothing to do.`,
    );
    return;
  }
  if (outcome.cleaned) deps.io.out(`Note: ${outcome.cleaned}.`);
  deps.io.out(
    `Listener started on ${outcome.address} (pid ${outcome.pid}).\n` +
      `  log   ${outcome.logFile}\n` +
      '  stop  ma-auth stop',
  );
}

function listenError(err: unknown, listen: Listen): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  const where = formatListen(listen);
  if (code === 'EADDRINUSE') {
    return new CliError(
      EXIT.error,
      `cannot listen on ${where}: the address is in use. Is a listener already running? (ma-auth status)`,
    );
  }
  if (code === 'EACCES') return new CliError(EXIT.error, `cannot listen on ${where}: permission denied`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new CliError(EXIT.error, `cannot listen on ${where}: no such address on this machine`);
  }
  return err;
}
