/**
 * Drives the keychain key source in a process of its own (so it can run on a
 * private Secret Service bus, see secret-service.ts). Runs from the TS source:
 *
 *   node --experimental-transform-types --import ./test/support/ts-resolve.mjs \
 *     test/support/keychain-probe.ts  < steps.json
 *
 * stdin: a JSON array of steps; stdout: a JSON array with one outcome per step.
 * A step that fails does not stop the others (its outcome carries the error).
 */
import { text } from 'node:stream/consumers';
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { decodeKey } from '../../src/keys/data-key.js';
import { keychainKeySource } from '../../src/keys/keychain-source.js';

export type ProbeStore = 'secret-service' | 'keyutils' | 'default';

export type ProbeStep =
  | { readonly op: 'read' | 'remove' | 'location'; readonly configDir: string }
  | { readonly op: 'write'; readonly configDir: string; readonly key: string }
  /** Direct access to an entry of service "ma-auth", bypassing the key source. */
  | { readonly op: 'raw-get' | 'raw-delete'; readonly account: string; readonly store: ProbeStore }
  | {
      readonly op: 'raw-set';
      readonly account: string;
      readonly store: ProbeStore;
      /** Stored as UTF-8 text, or as raw bytes when given as base64. */
      readonly value?: string;
      readonly base64?: string;
    };

export type ProbeOutcome =
  | { readonly ok: true; readonly value?: string | boolean | null }
  | { readonly ok: false; readonly name: string; readonly message: string };

async function runStep(step: ProbeStep): Promise<string | boolean | null | undefined> {
  switch (step.op) {
    case 'read':
      return (await keychainKeySource(step.configDir).read())?.id ?? null;
    case 'write':
      await keychainKeySource(step.configDir).write?.(decodeKey(step.key));
      return undefined;
    case 'remove':
      await keychainKeySource(step.configDir).remove?.();
      return undefined;
    case 'location':
      return keychainKeySource(step.configDir).location;
    case 'raw-get':
      return rawEntry(step.account, step.store).getPassword();
    case 'raw-delete':
      return rawEntry(step.account, step.store).deleteCredential();
    case 'raw-set': {
      const entry = rawEntry(step.account, step.store);
      if (step.base64 !== undefined) await entry.setSecret(Buffer.from(step.base64, 'base64'));
      else await entry.setPassword(step.value ?? '');
      return undefined;
    }
  }
}

function rawEntry(account: string, store: ProbeStore): AsyncEntry {
  const options: EntryOptions | undefined = store === 'default' ? undefined : { linux: { store } };
  return new AsyncEntry('ma-auth', account, options);
}

const steps = JSON.parse(await text(process.stdin)) as ProbeStep[];
const outcomes: ProbeOutcome[] = [];
for (const step of steps) {
  try {
    const value = await runStep(step);
    outcomes.push(value === undefined ? { ok: true } : { ok: true, value });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    outcomes.push({ ok: false, name: e.name, message: e.message });
  }
}
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
