import { describe, expect, it } from 'vitest';
import { listenerNodeOptions, listenerV8PoolSize } from '../../src/server/node-options.js';

describe("the listener's Node options", () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 3],
    [5, 4],
    [64, 4],
  ])(
    '%i cores → %i V8 helper threads: one core kept for the event loop, never more than Node’s default',
    (cores, pool) => {
      expect(listenerV8PoolSize(cores)).toBe(pool);
      expect(listenerNodeOptions(cores)).toEqual([`--v8-pool-size=${pool}`]);
    },
  );
});
