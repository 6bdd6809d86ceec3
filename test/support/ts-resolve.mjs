/**
 * `node --experimental-transform-types --import ./test/support/ts-resolve.mjs x.ts`
 * runs TypeScript sources directly (no build): the sources import each other as
 * `./x.js` (what tsc wants), so a relative `.js` that does not exist is retried
 * as `.ts`, the same mapping tsc does.
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (err?.code === 'ERR_MODULE_NOT_FOUND' && /^\.{1,2}\/.*\.js$/.test(specifier)) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw err;
    }
  },
});
