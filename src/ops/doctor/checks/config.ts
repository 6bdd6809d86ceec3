/** Is there a config, and does it validate? */
import { ConfigError, ConfigMissingError } from '../../../config/config.js';
import { type Check, ok, problem } from '../check.js';

export const configCheck: Check = {
  id: 'config',
  title: 'config',
  async run(ctx) {
    const file = ctx.deps.paths.configFile;
    const loaded = await ctx.config();
    if (loaded.ok) {
      const c = loaded.value;
      return ok(`${file} is valid (public URL ${c.publicUrl}, listener ${c.listen.host}:${c.listen.port})`);
    }
    const err = loaded.error;
    if (err instanceof ConfigMissingError) {
      const home = ctx.deps.env.MA_AUTH_HOME;
      return problem(
        `ma-auth is not set up here: no ${file}`,
        `Set it up: ma-auth init. If it is set up elsewhere, point MA_AUTH_HOME at that folder` +
          `${home ? ` (now ${home})` : ''}, or run as the user that set it up.`,
      );
    }
    if (err instanceof ConfigError) {
      return problem(
        `invalid config: ${err.message}`,
        err.field
          ? `Edit ${file} and correct "${err.field}" (docs/deployment.md lists the settings and their defaults).`
          : `Edit ${file} so it is one valid JSON object (docs/deployment.md lists the settings).`,
      );
    }
    throw err;
  },
};
