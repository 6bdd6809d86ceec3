/** `ma-auth stop`: stop the detached listener named by the pid file. */
import { loadConfig } from '../../../config/config.js';
import type { Deps } from '../../deps.js';
import { CliError, usageError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { emitJson } from '../../io.js';
import { probeListener } from '../../listener-probe.js';
import { formatListen, STOP_TIMEOUT_MS, stopDetached } from '../../listener-process.js';
import type { StopFlags } from './index.js';

export async function runStop(flags: StopFlags, deps: Deps): Promise<void> {
  const timeoutMs = parseTimeout(flags.timeout);
  const outcome = await stopDetached(deps.paths, timeoutMs);
  if (outcome.kind === 'stopped') {
    if (flags.json) {
      emitJson(deps.io, { event: 'stopped', pid: outcome.pid, forced: outcome.forced });
    } else if (outcome.forced) {
      deps.io.out(
        `The listener (pid ${outcome.pid}) did not stop within ${timeoutMs / 1000} s of SIGTERM; killed it (SIGKILL).`,
      );
    } else {
      deps.io.out(`Stopped the listener (pid ${outcome.pid}).`);
    }
    return;
  }

  // No pid file: a listener may still answer, run by systemd, Docker or a terminal.
  const config = await loadConfig(deps.paths.configFile).catch(() => null);
  if (config && (await probeListener(config.listen, 800))) {
    throw new CliError(
      EXIT.error,
      `a listener answers on ${formatListen(config.listen)}, but it was not started with ma-auth serve --detach ` +
        '(no pid file). Stop it where it runs (systemctl stop, docker stop, Ctrl-C in its terminal).',
    );
  }
  if (flags.json) {
    emitJson(deps.io, { event: 'not_running', cleaned: outcome.cleaned });
    return;
  }
  deps.io.out(`No listener is running${outcome.cleaned ? ` (${outcome.cleaned})` : ''}.`);
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return STOP_TIMEOUT_MS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw usageError(`--timeout must be a number of seconds from 0 to 3600 (got ${JSON.stringify(value)})`);
  }
  return seconds * 1000;
}
