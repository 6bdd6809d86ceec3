/**
 * `ma-auth status`: report what is known even when something is wrong, then
 * exit with the code of the first problem found.
 */
import { loadConfig } from '../../../config/config.js';
import { fingerprint } from '../../../keys/data-key.js';
import { resolveStoreKey } from '../../../ops/key-recovery.js';
import { type LegacyNotice, noticeText, statusLegacyNotice } from '../../../ops/legacy-notice.js';
import { SqliteStore } from '../../../store/sqlite/sqlite-store.js';
import type { Deps } from '../../deps.js';
import { CliError, toCliError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { probeListener } from '../../listener-probe.js';
import { renderUnreviewed, type UnreviewedEvents, unreviewedEvents } from '../audit/unreviewed.js';

export interface StatusReport {
  initialised: boolean;
  configFile: string;
  dataDir: string;
  publicUrl?: string;
  key?: { source: string; fingerprint: string; matchesStore: boolean } | { problem: string };
  store?: {
    file: string;
    schemaVersion: number;
    clients: number;
    activeGrants: number;
    pendingPairings: number;
  };
  listener?: { address: string; answering: boolean };
  /** Warning/critical audit events since the last `ma-auth audit`; absent when there are none. */
  securityEvents?: UnreviewedEvents;
  /** A legacy server's oauth_clients.json found and nothing migrated (src/ops/legacy-notice.ts). */
  legacyServer?: LegacyNotice & { firstNotice: boolean };
  problem?: string;
}

export async function runStatus(flags: { json?: boolean }, deps: Deps): Promise<void> {
  const report: StatusReport = {
    initialised: false,
    configFile: deps.paths.configFile,
    dataDir: deps.paths.dataDir,
  };
  let failure: CliError | null = null;
  try {
    const config = await loadConfig(deps.paths.configFile);
    report.initialised = true;
    report.publicUrl = config.publicUrl;
    const address = `${config.listen.host}:${config.listen.port}`;
    // The listener probe is independent of the key: start it now, await it last.
    const probe = probeListener(config.listen, 800);
    try {
      // The store's own key, finishing a key rotation that was interrupted (src/ops/key-recovery.ts).
      const resolved = await resolveStoreKey({
        env: deps.env,
        paths: deps.paths,
        keyStore: config.keyStore,
        keychain: deps.keychain,
        storeFile: deps.paths.storeFile,
        dataDir: deps.paths.dataDir,
      });
      if (resolved.recovery) deps.io.err(`note: ${resolved.recovery.message}`);
      const store = await SqliteStore.open({ file: deps.paths.storeFile });
      try {
        const binding = await store.keyBinding();
        const matches = binding?.keyId === resolved.key.id;
        report.key = {
          source: resolved.source.location,
          fingerprint: fingerprint(resolved.key),
          matchesStore: matches,
        };
        const counts = await store.counts(deps.now());
        report.store = { file: deps.paths.storeFile, schemaVersion: await store.schemaVersion(), ...counts };
        const unreviewed = await unreviewedEvents(store);
        if (unreviewed) report.securityEvents = unreviewed;
        const legacy = await statusLegacyNotice(store, deps.env, deps.now(), !flags.json);
        if (legacy) report.legacyServer = legacy;
        if (!matches) {
          failure = new CliError(
            EXIT.keyProblem,
            `the data key from ${resolved.source.location} (fingerprint ${fingerprint(resolved.key)}) is not the key that sealed the store` +
              (binding ? ` (fingerprint ${fingerprint(binding.keyId)})` : ''),
          );
        }
      } finally {
        await store.close();
      }
    } catch (err) {
      failure = toCliError(err);
      if (!report.key) report.key = { problem: failure.message };
    }
    report.listener = { address, answering: await probe };
  } catch (err) {
    failure = toCliError(err);
  }
  if (failure) report.problem = failure.message;

  if (flags.json) deps.io.out(JSON.stringify(report));
  else deps.io.out(renderStatus(report, deps.now()));
  if (failure) throw failure;
}

function renderStatus(r: StatusReport, now: number): string {
  if (!r.initialised)
    return `ma-auth is not set up here.\n  config  ${r.configFile} (missing)\nRun: ma-auth init`;
  const lines = [`config      ${r.configFile}`, `data dir    ${r.dataDir}`, `public URL  ${r.publicUrl}`];
  if (r.key && 'source' in r.key) {
    lines.push(
      `data key    ${r.key.source}, fingerprint ${r.key.fingerprint}${r.key.matchesStore ? '' : " — NOT the store's key"}`,
    );
  } else if (r.key) {
    lines.push(`data key    problem: ${r.key.problem.split('\n')[0]}`);
  }
  if (r.store) {
    lines.push(
      `store       ${r.store.file} (schema v${r.store.schemaVersion})`,
      `clients     ${r.store.clients}`,
      `grants      ${r.store.activeGrants} active`,
      `pairings    ${r.store.pendingPairings} pending`,
    );
  }
  if (r.listener) {
    lines.push(
      r.listener.answering
        ? `listener    answering on ${r.listener.address}`
        : `listener    not answering on ${r.listener.address}`,
    );
  }
  if (r.securityEvents) lines.push(renderUnreviewed(r.securityEvents, now));
  // Told once (the store records it); --json keeps carrying it until migrated.
  if (r.legacyServer?.firstNotice) lines.push('', noticeText(r.legacyServer));
  return lines.join('\n');
}
