#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ (npm cannot run TypeScript).
// The version check comes first: on an older Node the imports below fail with
// an obscure "No such built-in module: node:sqlite".
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22) || major === 23 || (major === 24 && minor < 15)) {
  process.stderr.write(
    `ma-auth needs Node.js 22.22+ or 24.15+ (24 LTS recommended); this is ${process.version}.\n`,
  );
  process.exit(1);
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
