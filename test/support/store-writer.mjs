// A second process writing the same store: `node store-writer.mjs <dist> <db> <key b64url> <label> <count>`.
const [dist, file, keyText, label, count] = process.argv.slice(2);
const { SqliteStore } = await import(`${dist}/store/sqlite/sqlite-store.js`);
const { decodeKey } = await import(`${dist}/keys/data-key.js`);
const store = await SqliteStore.open({ file, key: decodeKey(keyText) });
for (let i = 0; i < Number(count); i++) {
  await store.appendAudit({
    at: Date.now(),
    kind: `writer.${label}`,
    severity: 'info',
    clientId: null,
    grantId: null,
    detail: { i },
  });
  if (i % 10 === 0) await store.counts(Date.now());
}
await store.close();
process.stdout.write('done\n');
