/** What every part of a bench run shares. */
import type { Build } from '../lib/build.js';
import type { Settings } from '../lib/settings.js';

export interface RunContext {
  readonly settings: Settings;
  readonly build: Build;
  /** results/<timestamp>/ (or the smoke folder): logs and pools go under it. */
  readonly runDir: string;
  readonly logDir: string;
  /** OS temp folder holding this run's installs; removed at the end. */
  readonly tempRoot: string;
  readonly notes: string[];
  progress(message: string): void;
  /** Seconds left before the run's soft deadline. */
  timeLeftS(): number;
  /** Measures the disk's fsync rate now (the durable store's speed limit) and records it under `label`. */
  probeFsync(label: string): Promise<void>;
}

export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]?.slice(0, 300) ?? '';
}
