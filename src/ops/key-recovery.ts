/**
 * Finding the key that sealed the store, and finishing a key rotation that
 * was interrupted (DESIGN.md "rotate-key": "a key staged but not yet promoted
 * is recovered on the next start").
 *
 * The store records which key id sealed it. When the key found the usual way
 * (resolver.ts) is not that key and a staged place (staging.ts) holds it, the
 * rotation committed the store but did not finish: promote the staged key into
 * the writable key source (key file, keychain) and remove the staged copy —
 * under the ops lock, so a rotation still running is never disturbed. For
 * MA_AUTH_KEY / MA_AUTH_KEY_FILE, which ma-auth cannot write, the staged key is
 * used and the owner told what to change. When the source does hold the
 * store's key, whatever is staged is a leftover and is removed.
 */
import { fingerprint } from '../keys/data-key.js';
import { KeyNotFoundError, type ResolvedKey, resolveKey, writableSource } from '../keys/resolver.js';
import type { KeySource } from '../keys/source.js';
import { type StagingOptions, stagedSources } from '../keys/staging.js';
import { readKeyBinding } from '../store/sqlite/snapshot.js';
import { crashPoint } from './crash-point.js';
import { tryOpsLock } from './ops-lock.js';
import { settleStagedSecret } from './restore/secret-file.js';

export interface StoreKeyOptions extends StagingOptions {
  readonly storeFile: string;
  readonly dataDir: string;
}

export interface StoreKey extends ResolvedKey {
  /** Set when the key was not where the key source says. */
  readonly recovery?: { readonly kind: 'promoted' | 'staged'; readonly message: string };
}

export async function resolveStoreKey(
  opts: StoreKeyOptions,
  options: { promote?: boolean } = {},
): Promise<StoreKey> {
  const promote = options.promote ?? true;
  if (promote) await settleStagedSecret(opts.paths).catch(() => {});
  const binding = safeBinding(opts.storeFile);
  let resolved: ResolvedKey | null = null;
  let notFound: KeyNotFoundError | null = null;
  try {
    resolved = await resolveKey(opts);
  } catch (err) {
    if (!(err instanceof KeyNotFoundError) || !binding) throw err;
    notFound = err;
  }
  if (!binding) return resolved as ResolvedKey;
  if (resolved?.key.id === binding) {
    if (promote) await retireLeftovers(opts);
    return resolved;
  }

  const staged = await findStaged(opts, binding);
  if (!staged) {
    if (resolved) return resolved; // SqliteStore.open reports the mismatch
    throw notFound as KeyNotFoundError;
  }
  const primary = resolved ? (resolved.source.write ? resolved.source : null) : configuredSource(opts);
  if (promote && primary?.write) {
    const lock = await tryOpsLock(opts.dataDir, 'finish key rotation');
    if (!('holder' in lock)) {
      try {
        await primary.write(staged.key);
        crashPoint('recover:promoted');
        await staged.source.remove?.();
      } finally {
        await lock.release();
      }
      return {
        key: staged.key,
        source: primary,
        recovery: {
          kind: 'promoted',
          message: `finished an interrupted key rotation: the key ${fingerprint(staged.key)} moved from ${staged.source.location} to ${primary.location}`,
        },
      };
    }
  }
  const message = primary
    ? `a key rotation is in progress; using the new key ${fingerprint(staged.key)} from ${staged.source.location}`
    : `${resolved?.source.location ?? 'the environment'} holds ${resolved ? `the previous data key ${fingerprint(resolved.key)}` : 'no data key'}; ` +
      `the store is sealed with the rotated key ${fingerprint(staged.key)}, found in ${staged.source.location}. ` +
      'Put that key where your environment sets MA_AUTH_KEY / MA_AUTH_KEY_FILE, then delete that file.';
  return { key: staged.key, source: staged.source, recovery: { kind: 'staged', message } };
}

async function findStaged(opts: StoreKeyOptions, keyId: string): Promise<ResolvedKey | null> {
  for (const source of stagedSources(opts)) {
    const key = await source.read().catch(() => null);
    if (key?.id === keyId) return { key, source };
  }
  return null;
}

/**
 * The key source holds the store's key, so anything staged is a leftover:
 * a copy of that key (a rotation interrupted after it promoted), or a key
 * that never sealed anything (one interrupted before it committed). Removed
 * only under the ops lock: then no rotation is running that staged it.
 */
async function retireLeftovers(opts: StoreKeyOptions): Promise<void> {
  const leftovers: KeySource[] = [];
  for (const source of stagedSources(opts)) {
    if (await source.read().catch(() => null)) leftovers.push(source);
  }
  if (leftovers.length === 0) return;
  const lock = await tryOpsLock(opts.dataDir, 'finish key rotation');
  if ('holder' in lock) return;
  try {
    for (const source of leftovers) await source.remove?.();
  } finally {
    await lock.release();
  }
}

function configuredSource(opts: StoreKeyOptions): KeySource | null {
  if (opts.env.MA_AUTH_KEY || opts.env.MA_AUTH_KEY_FILE) return null;
  if (opts.keyStore !== 'file' && opts.keyStore !== 'keychain') return null;
  return writableSource(opts.keyStore, opts);
}

/** A store that cannot even be read is reported by whoever opens it next, with a better message. */
function safeBinding(file: string): string | null {
  try {
    return readKeyBinding(file);
  } catch {
    return null;
  }
}
