/** The bench's reading of the listener's access log (bench/lib/access-log.ts). */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listenerLatency, logOffset } from '../../bench/lib/access-log.js';

const dir = mkdtempSync(join(tmpdir(), 'ma-auth-access-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (route: string, durationMs: number) =>
  `${JSON.stringify({ time: '2026-11-21T00:00:00.000Z', level: 'info', msg: 'request', method: 'POST', route, status: 200, durationMs })}\n`;

describe('listenerLatency', () => {
  it('reads only what was logged after the offset, for the route asked', () => {
    const file = join(dir, 'ma-auth.log');
    writeFileSync(file, line('/alexa/token', 900)); // before the measurement
    const from = logOffset(file);
    for (let i = 1; i <= 100; i++) appendFileSync(file, line('/alexa/token', i));
    appendFileSync(file, line('/oauth/introspect', 5000));
    appendFileSync(file, 'not json "msg":"request"\n{"msg":"started"}\n');
    expect(listenerLatency(file, from, '/alexa/token')).toEqual({ requests: 100, p50: 50, p99: 99 });
    expect(listenerLatency(file, from, '/oauth/introspect')).toEqual({ requests: 1, p50: 5000, p99: 5000 });
  });

  it('is null for a log without request lines, and for no log at all', () => {
    const file = join(dir, 'bare.log');
    writeFileSync(file, 'listening on 127.0.0.1:1234\n');
    expect(listenerLatency(file, 0, '/alexa/token')).toBeNull();
    expect(logOffset(join(dir, 'missing.log'))).toBe(0);
    expect(listenerLatency(join(dir, 'missing.log'), 0, '/alexa/token')).toBeNull();
  });
});
