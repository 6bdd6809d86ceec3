/**
 * `ma-auth approve CODE` (DESIGN.md "Other devices"): decide a pending device
 * authorization directly in the store — the CLI holds the key, and the store
 * is safe to share with a running listener. The device's next poll gets
 * tokens (or `access_denied`).
 */
import type { OAuthDeps } from '../../../oauth/context.js';
import {
  DeviceApprovalError,
  type DeviceApprovalErrorCode,
  type DeviceApprovalView,
  decideDeviceAuthorization,
  findDeviceAuthorization,
} from '../../../oauth/device-approval.js';
import { SqliteStore } from '../../../store/sqlite/sqlite-store.js';
import { type Deps, loadInstall } from '../../deps.js';
import { CliError, usageError } from '../../errors.js';
import { EXIT, type ExitCode } from '../../exit-codes.js';
import { emitJson } from '../../io.js';
import { sanitize } from '../../sanitize.js';
import type { ApproveFlags } from './index.js';

/** Where each refusal lands (README "Exit codes"; a code's meaning never changes). */
const EXIT_FOR: Readonly<Record<DeviceApprovalErrorCode, ExitCode>> = {
  malformed_code: EXIT.usage,
  alexa_pairing_code: EXIT.usage,
  not_found: EXIT.error,
  already_decided: EXIT.error,
  expired: EXIT.timeout,
  not_initialised: EXIT.notInitialised,
};

export async function runApprove(code: string, flags: ApproveFlags, deps: Deps): Promise<void> {
  const ask = !flags.yes && !flags.deny;
  if (ask && (flags.json || !deps.io.canPrompt())) {
    throw usageError(
      `${flags.json ? 'with --json' : 'without a terminal to ask on'}, say what to do: --yes approves, --deny denies. Example:\n` +
        '  ma-auth approve WDJB-MJHT --yes',
    );
  }
  const { config, resolved } = await loadInstall(deps);
  const store = await SqliteStore.open({ file: deps.paths.storeFile, key: resolved.key });
  try {
    const oauth: OAuthDeps = { store, key: resolved.key, now: deps.now, settings: config };
    const request = await findDeviceAuthorization(oauth, code).catch(refusal);
    if (!flags.json) deps.io.out(renderRequest(request, deps.now()));
    const approve = flags.deny
      ? false
      : ask
        ? await deps.prompter.confirm({
            message: `Approve ${printable(request).clientName}?`,
            default: false,
          })
        : true;
    const decided = await decideDeviceAuthorization(oauth, { userCode: code, approve }).catch(refusal);
    const p = printable(decided);
    if (flags.json) {
      emitJson(deps.io, {
        event: approve ? 'approved' : 'denied',
        client_id: p.clientId,
        client_name: p.clientName,
        scope: decided.scopes.map((s) => s.name).join(' '),
        address: p.address,
        user_agent: p.userAgent,
        requested_at: new Date(deps.now() - decided.ageMs).toISOString(),
      });
    } else {
      deps.io.out(
        approve
          ? `Approved: ${p.clientName} gets its tokens on its next poll.`
          : `Denied: ${p.clientName} is told so on its next poll.`,
      );
    }
  } finally {
    await store.close();
  }
}

function refusal(err: unknown): never {
  if (err instanceof DeviceApprovalError) throw new CliError(EXIT_FOR[err.code], err.message, { cause: err });
  throw err;
}

/** Stored values came from the network (a device's request) or a client registration: sanitised before printing. */
function printable(v: DeviceApprovalView) {
  return {
    clientId: sanitize(v.client.id, 128),
    clientName: sanitize(v.client.name, 128) || sanitize(v.client.id, 128),
    address: v.address === null ? null : sanitize(v.address, 100),
    userAgent: v.userAgent === null ? null : sanitize(v.userAgent, 200),
  };
}

function renderRequest(v: DeviceApprovalView, now: number): string {
  const p = printable(v);
  const scopes = v.scopes.length
    ? v.scopes.map(
        (s, i) =>
          `${i === 0 ? '  asks to    ' : '             '}${sanitize(s.name, 64)} — ${sanitize(s.description, 200)}`,
      )
    : ['  asks to    (no scopes)'];
  const from = p.address
    ? `${p.address}${p.userAgent ? ` (${p.userAgent})` : ''}`
    : (p.userAgent ?? 'unknown');
  return [
    'A device asks for access to Music Assistant:',
    `  device     ${p.clientName}${p.clientName !== p.clientId ? ` (${p.clientId})` : ''}`,
    ...scopes,
    `  from       ${from}`,
    `  requested  ${ago(v.ageMs)} ago (${new Date(now - v.ageMs).toISOString()}); expires in ${ago(v.expiresInMs)}`,
    '',
  ].join('\n');
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}
