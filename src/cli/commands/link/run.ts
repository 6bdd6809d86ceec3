/**
 * `ma-auth link` (DESIGN.md "Linking Alexa"): find or start the listener, ask
 * it for a pairing as `ma-auth-cli`, show the code, poll until the Alexa app
 * used it (or it was denied, expired, or Ctrl-C cancelled it on the listener).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigMissingError } from '../../../config/config.js';
import { CLI_CLIENT_ID, cliClientSecret } from '../../../oauth/builtin-clients.js';
import { ALEXA_SCOPES } from '../../../oauth/scopes.js';
import { type Deps, loadInstall } from '../../deps.js';
import { CliError, usageError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { emitJson } from '../../io.js';
import { probeListener } from '../../listener-probe.js';
import { formatListen, listenerUrl, startDetached } from '../../listener-process.js';
import { DeviceClient, type Pairing } from './device-client.js';
import type { LinkFlags } from './index.js';
import { type PollEvent, type PollOutcome, pollUntilDone } from './poll.js';
import { Countdown, formatLinkedAt, renderPairing } from './render.js';

/** Signals that end the wait by cancelling the pairing (SIGHUP: the SSH session went away). */
const CANCEL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function runLink(flags: LinkFlags, deps: Deps): Promise<void> {
  const timeoutS = parseTimeout(flags.timeout);
  const json = Boolean(flags.json);
  const { config, resolved } = await installOrWizard(flags, deps);

  if (!(await probeListener(config.listen, 800))) {
    const started = await startDetached(deps, config.listen);
    if (started.kind === 'started') {
      if (json) {
        emitJson(deps.io, {
          event: 'listener_started',
          address: started.address,
          pid: started.pid,
          log_file: started.logFile,
        });
      } else {
        deps.io.out(
          `No listener answered on ${started.address}: started one in the background (pid ${started.pid}, log ${started.logFile}).\n` +
            'It keeps running for Alexa; ma-auth stop stops it.\n',
        );
      }
    }
  }

  const client = new DeviceClient(listenerUrl(config.listen), CLI_CLIENT_ID, cliClientSecret(resolved.key));
  try {
    const pairing = await client.requestPairing(ALEXA_SCOPES.join(' '));
    const issuedAt = deps.now();
    const deadline = issuedAt + (timeoutS ?? pairing.expiresIn) * 1000;
    await showPairing(pairing, flags, deps);
    const outcome = await waitForLink(client, pairing, deadline, json, deps);
    await finish(outcome, client, pairing, { json, timeoutS, address: formatListen(config.listen) }, deps);
  } finally {
    await client.close();
  }
}

/** Not set up: the wizard first on a terminal, a clear error (exit 3) without one. */
async function installOrWizard(flags: LinkFlags, deps: Deps) {
  try {
    return await loadInstall(deps);
  } catch (err) {
    if (!(err instanceof ConfigMissingError)) throw err;
    if (flags.json || !deps.io.canPrompt()) {
      throw new CliError(
        EXIT.notInitialised,
        `ma-auth is not set up here (no ${err.file}). Set it up first, then run ma-auth link again:\n` +
          '  ma-auth init --yes --public-url https://ma.example.com \\\n' +
          '    --redirect-uri https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH',
      );
    }
    deps.io.out('ma-auth is not set up here yet: set-up comes first.\n');
    const { runInit } = await import('../init/run.js');
    await runInit({}, deps);
    deps.io.out('\nNow linking Alexa.\n');
    return loadInstall(deps);
  }
}

async function showPairing(pairing: Pairing, flags: LinkFlags, deps: Deps): Promise<void> {
  if (flags.json) {
    emitJson(deps.io, {
      event: 'pairing',
      user_code: pairing.userCode,
      verification_uri: pairing.verificationUri,
      verification_uri_complete: pairing.verificationUriComplete,
      expires_in: pairing.expiresIn,
      interval: pairing.interval,
    });
    return;
  }
  deps.io.out(
    await renderPairing(pairing, {
      qr: flags.qr !== false,
      tty: Boolean(deps.io.stdout.isTTY),
      color: deps.io.color(),
    }),
  );
}

/** Polls with a countdown (terminal, text mode) until an outcome; the cancel signals abort it. */
async function waitForLink(
  client: DeviceClient,
  pairing: Pairing,
  deadline: number,
  json: boolean,
  deps: Deps,
): Promise<PollOutcome> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  for (const s of CANCEL_SIGNALS) process.on(s, onSignal);
  const countdown = !json && deps.io.stdout.isTTY ? new Countdown(deps.io, deadline, deps.now) : null;
  if (!json && !countdown) deps.io.out('Waiting for the code to be entered (Ctrl-C cancels)…');
  const say = (text: string) => (countdown ? countdown.note(text) : deps.io.out(text));
  const onEvent = (e: PollEvent) => {
    if (json) {
      emitJson(
        deps.io,
        e.event === 'slow_down' ? e : { event: e.event, reason: e.reason, retry_in_s: e.retryInS },
      );
    } else if (e.event === 'slow_down')
      say(`The listener asked to poll more slowly: every ${e.interval} s now.`);
    else say(`The listener did not answer (${e.reason}); trying again in ${e.retryInS} s.`);
  };
  countdown?.start();
  try {
    return await pollUntilDone(
      { intervalS: pairing.interval, deadline, signal: abort.signal },
      {
        poll: (signal) => client.poll(pairing.deviceCode, signal),
        sleep: (ms, signal) => sleep(ms, undefined, { signal }),
        now: deps.now,
        onEvent,
      },
    );
  } finally {
    countdown?.stop();
    for (const s of CANCEL_SIGNALS) process.off(s, onSignal);
  }
}

async function finish(
  outcome: PollOutcome,
  client: DeviceClient,
  pairing: Pairing,
  ctx: { json: boolean; timeoutS: number | null; address: string },
  deps: Deps,
): Promise<void> {
  const { json } = ctx;
  switch (outcome.kind) {
    case 'linked': {
      const linkedAt = formatLinkedAt(outcome.linkedAt);
      if (json) {
        emitJson(deps.io, {
          event: 'linked',
          linked_client_id: outcome.linkedClientId,
          scope: outcome.scope,
          linked_at: outcome.linkedAt,
        });
      } else {
        const who = outcome.linkedClientId ?? 'the Alexa skill';
        const scopes = outcome.scope ? ` (scopes ${outcome.scope.split(' ').join(', ')})` : '';
        deps.io.out(`Linked ${who}${scopes}${linkedAt ? ` at ${linkedAt}` : ''}.`);
      }
      return;
    }
    case 'denied':
      if (json) emitJson(deps.io, { event: 'denied' });
      throw new CliError(EXIT.denied, 'the pairing was denied on the consent page; nothing was linked');
    case 'expired': {
      // Our own deadline may come before the listener's: cancel so the code stops working now.
      const revoked = outcome.by === 'timeout' ? await client.cancel(pairing.deviceCode) : false;
      if (json) emitJson(deps.io, { event: 'expired', by: outcome.by, ...(revoked ? { revoked } : {}) });
      throw new CliError(
        EXIT.timeout,
        outcome.by === 'server'
          ? 'the pairing code expired before it was used. Run ma-auth link again for a new one.'
          : `no code was entered within ${ctx.timeoutS ?? pairing.expiresIn} s; the pairing was cancelled. Run ma-auth link again for a new one.`,
      );
    }
    case 'unreachable':
      throw new CliError(
        EXIT.error,
        `lost contact with the listener on ${ctx.address} (${outcome.reason}) and it did not come back in time. ` +
          'Check it with ma-auth status, then run ma-auth link again.',
      );
    case 'cancelled': {
      if (!json) deps.io.out('Cancelling the pairing…');
      const revoked = await client.cancel(pairing.deviceCode);
      if (json) emitJson(deps.io, { event: 'cancelled', revoked });
      throw new CliError(
        EXIT.interrupted,
        revoked
          ? 'cancelled; the pairing code no longer works'
          : 'cancelled, but the listener could not be told: the code keeps working until it expires',
      );
    }
  }
}

function parseTimeout(value: string | undefined): number | null {
  if (value === undefined) return null;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw usageError(`--timeout must be a number of seconds, more than 0 (got ${JSON.stringify(value)})`);
  }
  return seconds;
}
