/**
 * The bench runs its TypeScript directly (Node's type stripping, no build):
 * the files import each other as `./x.js` (what tsc wants), so a relative
 * `.js` that does not exist is retried as `.ts`. Same mapping as
 * test/support/ts-resolve.mjs, kept here so the bench owns its runner.
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
