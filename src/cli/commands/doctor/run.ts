/** `ma-auth doctor`: run the checks (src/ops/doctor), print each with its fix, exit 9 on any problem. */
import { type CheckResult, runDoctor } from '../../../ops/doctor/run.js';
import { packageVersion } from '../../../server/version.js';
import type { Deps } from '../../deps.js';
import { CliError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { probeHealth } from '../../listener-probe.js';
import type { DoctorFlags } from './index.js';

const PROBE_TIMEOUT_MS = 1500;

export async function runDoctorCommand(flags: DoctorFlags, deps: Deps): Promise<void> {
  const results = await runDoctor({
    env: deps.env,
    paths: deps.paths,
    now: deps.now,
    version: packageVersion(),
    probe: (listen) => probeHealth(listen, PROBE_TIMEOUT_MS),
    keychain: deps.keychain,
  });
  const problems = results.filter((r) => r.status === 'problem').length;
  const warnings = results.filter((r) => r.status === 'warning').length;
  if (flags.json) deps.io.out(JSON.stringify({ ok: problems === 0, problems, warnings, checks: results }));
  else deps.io.out(render(results, deps.io.color()));
  if (problems > 0) {
    const found = `${problems} problem${problems === 1 ? '' : 's'} found`;
    throw new CliError(EXIT.doctorProblems, `${found}: apply each fix above, then run ma-auth doctor again`);
  }
  if (!flags.json) {
    deps.io.out(`No problems found${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}.`);
  }
}

const LABEL: Record<CheckResult['status'], string> = {
  ok: 'ok',
  warning: 'warning',
  problem: 'PROBLEM',
  skipped: 'skipped',
};
const COLOUR: Record<CheckResult['status'], string> = {
  ok: '32',
  warning: '33',
  problem: '1;31',
  skipped: '2',
};
const WIDTH = Math.max(...Object.values(LABEL).map((l) => l.length));

function render(results: readonly CheckResult[], color: boolean): string {
  const titleWidth = Math.max(...results.map((r) => r.title.length));
  const indent = ' '.repeat(WIDTH + titleWidth + 4);
  return results
    .map((r) => {
      const label = LABEL[r.status].padEnd(WIDTH);
      const head = `${color ? `\x1b[${COLOUR[r.status]}m${label}\x1b[0m` : label}  ${r.title.padEnd(titleWidth)}  ${r.summary}`;
      return r.fix ? `${head}\n${indent}fix: ${r.fix}` : head;
    })
    .join('\n');
}
