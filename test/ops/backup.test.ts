/**
 * `ma-auth backup` as a child process against a real install: what it
 * writes, how it asks for a passphrase, what it refuses, and the format as
 * docs/formats.md describes it — decrypted here with nothing but node:crypto,
 * as another language's standard library would.
 */
import { createDecipheriv, createHmac, hkdfSync, scryptSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Install } from '../support/install.js';
import {
  backupDir,
  cli,
  countActive,
  freshInstall,
  installKey,
  logicalDump,
  PASSPHRASE,
  populate,
  removeInstall,
} from './support.js';

describe('ma-auth backup', () => {
  let install: Install;
  beforeAll(async () => {
    install = await freshInstall();
    await populate(install);
  });
  afterAll(async () => {
    await removeInstall(install);
  });

  it('writes a passphrase backup (0600, timestamped name in backups/) and verifies it with --verify', async () => {
    const r = await cli(install, ['backup', '--passphrase-stdin', '--json'], { input: `${PASSPHRASE}\n` });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      event: 'backup',
      sealedWith: 'passphrase',
      keyId: (await installKey(install)).id,
      counts: { schemaVersion: expect.any(Number), tables: { clients: 4, grants: 3 } },
    });
    expect(summary.file).toMatch(/\/data\/backups\/ma-auth-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ(-\d+)?\.backup$/);
    const st = await stat(summary.file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(summary.bytes);
    expect(r.stderr).toBe(''); // no progress without a terminal

    const v = await cli(install, ['backup', '--verify', summary.file, '--passphrase-stdin', '--json'], {
      input: PASSPHRASE,
    });
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ event: 'verified', counts: summary.counts });
    // Nothing of the verification is left in the data dir.
    expect((await readdir(join(install.home, 'data'))).filter((n) => n.startsWith('.ma-auth'))).toEqual([]);
  });

  it('--with-key writes an unattended backup; text output names how to check and restore it', async () => {
    const target = join(install.home, '..', 'scheduled.backup');
    const r = await cli(install, ['backup', target, '--with-key']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Backup written: ${target}`);
    expect(r.stdout).toContain(`ma-auth backup --verify ${target}`);
    expect(r.stdout).toContain(`ma-auth restore ${target}`);
    const v = await cli(install, ['backup', '--verify', target]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^Backup OK: /);
  });

  it('without a terminal and without --passphrase-stdin or --with-key: usage error, nothing written', async () => {
    const before = await readdir(backupDir(install));
    const r = await cli(install, ['backup']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--passphrase-stdin');
    expect(r.stderr).toContain('--with-key');
    const both = await cli(install, ['backup', '--with-key', '--passphrase-stdin'], { input: PASSPHRASE });
    expect(both.code).toBe(2);
    const short = await cli(install, ['backup', '--passphrase-stdin'], { input: 'short' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 12 characters');
    expect(await readdir(backupDir(install))).toEqual(before);
  });

  it('never overwrites a file', async () => {
    const target = join(install.home, '..', 'taken.backup');
    await writeFile(target, 'precious');
    const r = await cli(install, ['backup', target, '--with-key']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exists already');
    expect(await readFile(target, 'utf8')).toBe('precious');
  });

  it('the format is what docs/formats.md says: decrypted here with node:crypto alone', async () => {
    const target = join(install.home, '..', 'by-the-spec.backup');
    const r = await cli(install, ['backup', target, '--passphrase-stdin'], { input: PASSPHRASE });
    expect(r.code, r.stderr).toBe(0);
    const file = await readFile(target);

    // Header: "MAAUTHBK", u32 BE length, JSON.
    expect(file.subarray(0, 8).toString('ascii')).toBe('MAAUTHBK');
    const length = file.readUInt32BE(8);
    const aad = file.subarray(0, 12 + length);
    const header = JSON.parse(file.subarray(12, 12 + length).toString('utf8'));
    expect(header).toMatchObject({
      format: 'ma-auth-backup',
      version: 1,
      cipher: 'AES-256-GCM',
      chunkSize: 65536,
      sealedWith: 'passphrase',
      kdf: { name: 'scrypt', N: 131072, r: 8, p: 1 },
    });

    // File key: scrypt(passphrase NFC UTF-8, salt); key check: HMAC-SHA256(key, label)[0..16].
    const key = scryptSync(
      Buffer.from(PASSPHRASE.normalize('NFC')),
      Buffer.from(header.kdf.salt, 'base64url'),
      32,
      {
        N: header.kdf.N,
        r: header.kdf.r,
        p: header.kdf.p,
        maxmem: 256 * 1024 * 1024,
      },
    );
    const check = createHmac('sha256', key).update('ma-auth/backup/v1/key-check').digest().subarray(0, 16);
    expect(check.toString('base64url')).toBe(header.keyCheck);

    // Chunks: chunkSize + 16 bytes each; nonce = 11-byte BE index ‖ last flag; AAD = header bytes.
    const sealed = header.chunkSize + 16;
    const body = file.subarray(aad.length);
    const count = Math.ceil(body.length / sealed);
    const parts: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const chunk = body.subarray(i * sealed, Math.min(body.length, (i + 1) * sealed));
      const nonce = Buffer.alloc(12);
      nonce.writeUInt32BE(i, 7);
      nonce[11] = i === count - 1 ? 1 : 0;
      const d = createDecipheriv('aes-256-gcm', key, nonce);
      d.setAAD(aad);
      d.setAuthTag(chunk.subarray(chunk.length - 16));
      parts.push(d.update(chunk.subarray(0, chunk.length - 16)), d.final());
    }
    const plain = Buffer.concat(parts);

    // Plaintext: u32 BE length, manifest JSON, then the SQLite file.
    const mlen = plain.readUInt32BE(0);
    const manifest = JSON.parse(plain.subarray(4, 4 + mlen).toString('utf8'));
    const snapshot = plain.subarray(4 + mlen);
    expect(snapshot.length).toBe(manifest.snapshotBytes);
    expect(snapshot.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    expect(manifest.dataKey).toBe((await readFile(join(install.home, 'config', 'data.key'), 'utf8')).trim());
    expect(manifest.musicAssistantSecret.trim()).toBe(install.musicAssistant.clientSecret);

    // The snapshot is the store: same logical content, opened with the data key it carries.
    const copy = join(install.home, '..', 'by-the-spec.db');
    await writeFile(copy, snapshot);
    const dataKey = await installKey(install);
    expect(logicalDump(copy, dataKey)).toEqual(logicalDump(install.storeFile, dataKey));
    const db = new DatabaseSync(copy, { readOnly: true });
    expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(
      header.schemaVersion,
    );
    db.close();
  });

  it('a data-key backup: HKDF-SHA256(data key, salt, "ma-auth/backup/v1") is the file key', async () => {
    const target = join(install.home, '..', 'hkdf.backup');
    expect((await cli(install, ['backup', target, '--with-key'])).code).toBe(0);
    const file = await readFile(target);
    const length = file.readUInt32BE(8);
    const header = JSON.parse(file.subarray(12, 12 + length).toString('utf8'));
    expect(header).toMatchObject({
      sealedWith: 'data-key',
      kdf: { name: 'HKDF-SHA256', info: 'ma-auth/backup/v1' },
    });
    const dataKey = await installKey(install);
    expect(header.keyId).toBe(dataKey.id);
    const key = Buffer.from(
      hkdfSync('sha256', dataKey.bytes, Buffer.from(header.kdf.salt, 'base64url'), 'ma-auth/backup/v1', 32),
    );
    expect(
      createHmac('sha256', key)
        .update('ma-auth/backup/v1/key-check')
        .digest()
        .subarray(0, 16)
        .toString('base64url'),
    ).toBe(header.keyCheck);
  });

  it('backing up changes nothing in the store', async () => {
    const key = await installKey(install);
    const before = logicalDump(install.storeFile, key);
    expect((await cli(install, ['backup', '--with-key'])).code).toBe(0);
    expect(logicalDump(install.storeFile, key)).toEqual(before);
  });
});

describe('ma-auth init --force backs up first', () => {
  it('refuses without a way to get a passphrase; with one, writes a verified backup, then replaces', async () => {
    const install = await freshInstall();
    try {
      const population = await populate(install, 1);
      const oldKey = await installKey(install);
      const oldDump = logicalDump(install.storeFile, oldKey);
      const initArgs = [
        'init',
        '--yes',
        '--json',
        '--force',
        '--public-url',
        install.baseUrl,
        '--insecure-http',
        '--listen',
        `127.0.0.1:${install.port}`,
        '--redirect-uri',
        install.alexa.redirectUri,
        '--key-store',
        'file',
      ];
      const refused = await cli(
        install,
        initArgs.filter((a) => a !== '--passphrase-stdin'),
      );
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--passphrase-stdin');
      expect(await installKey(install)).toEqual(oldKey);

      const r = await cli(install, [...initArgs, '--passphrase-stdin'], { input: PASSPHRASE });
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.previousSetupBackup).toMatch(/\/backups\/pre-init-.*\.backup$/);
      expect(existsSync(result.previousSetupBackup)).toBe(true);
      expect(r.stderr).toContain('ma-auth restore');
      // A new set-up: new key, new clients, no grants.
      const newKey = await installKey(install);
      expect(newKey.id).not.toBe(oldKey.id);
      expect(await countActive(install, population.activeTokens)).toBe(0);
      // Nothing of the old set-up is left beside it but the backup.
      const leftovers = [
        ...(await readdir(join(install.home, 'data'))),
        ...(await readdir(join(install.home, 'config'))),
      ].filter((n) => n.includes('replaced'));
      expect(leftovers).toEqual([]);

      // The backup brings the old state back, onto the new key.
      const back = await cli(
        install,
        ['restore', result.previousSetupBackup, '--passphrase-stdin', '--yes'],
        {
          input: PASSPHRASE,
        },
      );
      expect(back.code, back.stderr).toBe(0);
      expect(await countActive(install, population.activeTokens)).toBe(population.activeTokens.length);
      expect(logicalDump(install.storeFile, newKey).clients).toEqual(oldDump.clients);
    } finally {
      await removeInstall(install);
    }
  }, 60_000);
});
