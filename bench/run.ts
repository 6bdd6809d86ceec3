/**
 * `npm run bench` — the whole benchmark in one run, on loopback, bounded in
 * time; prints the tables and writes results/<timestamp>/{results.json,
 * results.md,chart.svg} plus results/latest.{json,md}, docs/benchmarks.svg and
 * the results block of docs/benchmarks.md.
 *
 * `npm run bench -- --smoke` (or `npm run bench:smoke`): every part, briefly,
 * into results/tmp/ (never latest or docs) — for CI; its numbers mean nothing.
 *
 * Options: --out DIR (write the results there instead), --profile (always
 * profile the listener; full mode does when the ratio budget fails), --keep
 * (keep the scratch folder: build, pools, server logs).
 *
 * For working on one number (never published, like --out): --only
 * throughput,profile,flows,cli,store,ops (the parts to run), --scenarios
 * ma-auth-refresh,oidc-refresh-rotating (throughput scenarios), --rounds N,
 * --duration S, --sizes 1000,100000 (store sizes; the offline operations
 * run at those of them they measure). Example: `npm run bench -- --only throughput,profile
 * --scenarios ma-auth-refresh,oidc-refresh-rotating --rounds 1`.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSnapshot } from './lib/build.js';
import { makeTempRoot } from './lib/install.js';
import { describeMachine, describeSource, measureFsync } from './lib/machine.js';
import { DOCS_DIR, RESULTS_DIR, ROOT, SCRATCH_DIR } from './lib/paths.js';
import { killAllTracked } from './lib/proc.js';
import type { FsyncProbe, Results } from './lib/results.js';
import { FULL, SMOKE } from './lib/settings.js';
import { checkBudgets } from './report/budgets.js';
import { renderMarkdown, renderText } from './report/render.js';
import { flattenRows } from './report/rows.js';
import { renderChart } from './report/svg.js';
import { cliSection } from './sections/cli.js';
import { errorText, type RunContext } from './sections/context.js';
import { flowsSection } from './sections/flows.js';
import { opsSection } from './sections/ops.js';
import { profileSection } from './sections/profile.js';
import { storeSizeSection } from './sections/store-size.js';
import { throughputSection } from './sections/throughput.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = option('--only')?.split(',');
const scenarioFilter = option('--scenarios')?.split(',');
const rounds = option('--rounds');
const duration = option('--duration');
const sizes = option('--sizes')?.split(',').map(Number);
const partial = Boolean(only || scenarioFilter || rounds || duration || sizes);
const base = flag('--smoke') ? SMOKE : FULL;
const settings = {
  ...base,
  ...(rounds ? { rounds: Number(rounds) } : {}),
  ...(duration ? { durationS: Number(duration) } : {}),
  ...(scenarioFilter ? { scenarios: scenarioFilter } : {}),
  ...(sizes ? { storeSizes: sizes } : {}),
};
const runs = (section: string) => !only || only.includes(section);
const started = new Date();
const stamp = started
  .toISOString()
  .replace(/[:.]/g, '-')
  .replace(/-\d{3}Z$/, 'Z');
const scratch = join(SCRATCH_DIR, `run-${stamp}-${process.pid}`);
const outDir =
  option('--out') ??
  (settings.mode === 'full' && !partial ? join(RESULTS_DIR, stamp) : join(SCRATCH_DIR, `partial-${stamp}`));
const publish = settings.mode === 'full' && !option('--out') && !partial;
mkdirSync(join(scratch, 'logs'), { recursive: true });
mkdirSync(outDir, { recursive: true });
const tempRoot = makeTempRoot();

const cleanup = () => {
  killAllTracked();
  rmSync(tempRoot, { recursive: true, force: true });
  if (flag('--keep')) return;
  // A published run keeps its .cpuprofile (results.json names it); smoke and --out runs leave nothing.
  if (!publish) rmSync(scratch, { recursive: true, force: true });
  else
    for (const entry of readdirSync(scratch))
      if (entry !== 'profile') rmSync(join(scratch, entry), { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping\n`);
    cleanup();
    process.exit(130);
  });
}

const progress = (message: string) => {
  const s = ((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${s} s] ${message}\n`);
};

progress(`${settings.mode} mode; building src/ into ${relative(ROOT, scratch)}`);
const build = buildSnapshot(scratch);
if (build.warning) progress(build.warning);
const fsyncProbes: FsyncProbe[] = [];
const ctx: RunContext = {
  settings,
  build,
  runDir: scratch,
  logDir: join(scratch, 'logs'),
  tempRoot,
  notes: [],
  progress,
  timeLeftS: () => settings.deadlineS - (Date.now() - started.getTime()) / 1000,
  probeFsync: async (label) => {
    const commitsPerS = await measureFsync(tempRoot, settings.mode === 'full' ? 1000 : 200);
    fsyncProbes.push({ label, at: new Date().toISOString(), commitsPerS });
  },
};
await ctx.probeFsync('start');
const machine = describeMachine(tempRoot, fsyncProbes[0]?.commitsPerS ?? null);
const source = describeSource();

const attempt = async <T>(what: string, work: () => Promise<T>, fallback: T): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    ctx.notes.push(`${what} failed: ${errorText(err)}`);
    progress(`${what} failed: ${err instanceof Error ? err.stack : String(err)}`);
    return fallback;
  }
};

let results: Results | undefined;
try {
  const throughput = runs('throughput')
    ? await attempt('throughput', () => throughputSection(ctx), { rows: [], ratios: [] })
    : { rows: [], ratios: [] };
  const peerRatio = throughput.ratios.find(
    (x) => x.connections === settings.connections[0] && x.denominator === 'oidc-refresh-rotating',
  )?.median;
  const wantProfile = only
    ? runs('profile')
    : flag('--profile') || settings.mode === 'smoke' || peerRatio === null || (peerRatio ?? 0) < 2;
  const profile =
    wantProfile && ctx.timeLeftS() > 60 ? await attempt('profile', () => profileSection(ctx), null) : null;
  const flows = runs('flows') ? await attempt('flows', () => flowsSection(ctx), []) : [];
  const cli = runs('cli') ? await attempt('cli', () => cliSection(ctx), null) : null;
  const store = runs('store')
    ? await attempt('store size', () => storeSizeSection(ctx), { rows: [], kept: new Map() })
    : { rows: [], kept: new Map() };
  const ops = runs('ops') ? await attempt('ops', () => opsSection(ctx, store.kept), []) : [];

  const partial = {
    version: 1 as const,
    startedAt: started.toISOString(),
    settings,
    machine,
    source,
    buildWarning: build.warning,
    throughput: throughput.rows,
    ratios: throughput.ratios,
    flows,
    cli,
    storeSize: store.rows,
    ops,
    profile,
    notes: ctx.notes,
    fsyncProbes,
  };
  const finished = new Date();
  results = {
    ...partial,
    finishedAt: finished.toISOString(),
    elapsedS: (finished.getTime() - started.getTime()) / 1000,
    rows: flattenRows(partial),
    budgets: checkBudgets(partial),
  };
} finally {
  cleanup();
}

const json = `${JSON.stringify(results, null, 2)}\n`;
const chart = renderChart(results);
writeFileSync(join(outDir, 'results.json'), json);
writeFileSync(join(outDir, 'chart.svg'), chart);
writeFileSync(
  join(outDir, 'results.md'),
  `# ma-auth bench results\n\n${renderMarkdown(results, { chart: 'chart.svg' })}`,
);
if (publish) {
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json);
  writeFileSync(
    join(RESULTS_DIR, 'latest.md'),
    `# ma-auth bench: latest full run\n\n${renderMarkdown(results, { chart: `${relative(RESULTS_DIR, outDir)}/chart.svg` })}`,
  );
  copyFileSync(join(outDir, 'chart.svg'), join(DOCS_DIR, 'benchmarks.svg'));
  updateDocs(results);
}
process.stdout.write(renderText(results));
process.stdout.write(
  `results: ${relative(ROOT, outDir)}/results.{json,md}, chart.svg${publish ? '; latest.{json,md}; docs/benchmarks.{md,svg}' : ''}\n`,
);
process.exitCode = results.rows.some((r) => r.status === 'error') ? 1 : 0;

/** Replaces the generated block of docs/benchmarks.md (between the markers) with this run's tables. */
function updateDocs(r: Results): void {
  const file = join(DOCS_DIR, 'benchmarks.md');
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${begin}\n${end}\n`;
  }
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  const block = `${begin}\n<!-- Generated by \`npm run bench\`; edits here are overwritten. -->\n\n${renderMarkdown(r, { headingLevel: 3, chart: 'benchmarks.svg' })}\n${end}`;
  writeFileSync(file, text.slice(0, a) + block + text.slice(b + end.length));
}
