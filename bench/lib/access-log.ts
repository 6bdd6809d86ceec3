/**
 * The listener's own view of a load run, from its access log: how long each
 * request took from being parsed to its answer being handed to the
 * socket (`durationMs` of the "request" lines ma-auth logs).
 *
 * Set beside the load generator's latency, it splits a row's p99 into the
 * listener's share and the rest: time a request waits in the kernel before
 * the listener's one thread reads it, and time in the load process.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { percentile } from './stats.js';

export interface ListenerLatency {
  readonly requests: number;
  readonly p50: number | null;
  readonly p99: number | null;
}

/** Where a measurement's lines will start: the log's current size (0 when there is none yet). */
export function logOffset(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The durations of the requests to `route` logged after `from` (a byte
 * offset from `logOffset`). Null when there are none: not an ma-auth log, or
 * its level hides requests.
 */
export function listenerLatency(file: string, from: number, route: string): ListenerLatency | null {
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.max(0, size - from));
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, from + read);
        if (n === 0) break;
        read += n;
      }
      text = buffer.toString('utf8', 0, read);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const durations: number[] = [];
  for (const line of text.split('\n')) {
    // Cheap filter first: a load run logs hundreds of thousands of lines.
    if (!line.includes('"msg":"request"')) continue;
    let record: { route?: unknown; durationMs?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue; // another process's output, or a line cut by the read
    }
    if (record.route === route && typeof record.durationMs === 'number') durations.push(record.durationMs);
  }
  if (durations.length === 0) return null;
  return { requests: durations.length, p50: percentile(durations, 50), p99: percentile(durations, 99) };
}
