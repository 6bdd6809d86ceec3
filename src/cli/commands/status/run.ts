/**
 * `ma-auth status`: report what is known even when something is wrong, then
 * exit with the code of the first problem found.
 */
import { loadConfig } from '../../../config/config.js';
import { fingerprint } from '../../../keys/data-key.js';
import { resolveKey } from '../../../keys/resolver.js';
import { SqliteStore } from '../../../store/sqlite/sqlite-store.js';
import type { Deps } from '../../deps.js';
import { CliError, toCliError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { probeListener } from '../../listener-probe.js';

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
      const resolved = await resolveKey({
        env: deps.env,
        paths: deps.paths,
        keyStore: config.keyStore,
        keychain: deps.keychain,
      });
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
  else deps.io.out(renderStatus(report));
  if (failure) throw failure;
}

function renderStatus(r: StatusReport): string {
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
  return lines.join('\n');
}
