import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../support/cli.js';
import { BIN } from '../support/paths.js';

describe('output into a pipe that closes early (`ma-auth … | head`)', () => {
  it('exits 0 quietly instead of crashing with EPIPE', async () => {
    const results = await Promise.all(
      Array.from(
        { length: 5 },
        () =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, [BIN, 'clients', '--help'], { env: cleanEnv() });
            let stderr = '';
            child.stderr.on('data', (d) => (stderr += d));
            child.stdout.destroy(); // the reader is gone before the first write
            child.on('close', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    for (const r of results) {
      expect(r.stderr).not.toMatch(/EPIPE|Error/);
      expect(r.code).toBe(0);
    }
  });
});
