/** Does an ma-auth listener answer /health on the configured address, and is it this version? */
import { type Check, ok, problem, skipped, warning } from '../check.js';

export const listenerCheck: Check = {
  id: 'listener',
  title: 'listener',
  async run(ctx) {
    const config = await ctx.config();
    if (!config.ok) return skipped('needs a valid config');
    const { listen } = config.value;
    const address = `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
    const health = await ctx.deps.probe(listen);
    if (!health) {
      return problem(
        `no ma-auth listener answers on http://${address}/health`,
        'Start it: ma-auth serve --detach (or: systemctl start ma-auth; docker compose up -d). ' +
          `If it does not stay up, its log says why: ${ctx.deps.paths.logFile} (started with --detach or by link), ` +
          'journalctl -u ma-auth (systemd), docker compose logs ma-auth (Docker).',
      );
    }
    if (health.version !== ctx.deps.version) {
      return warning(
        `answering on ${address}, but it runs ma-auth ${health.version} and this is ${ctx.deps.version}`,
        'Restart it to run this version: systemctl restart ma-auth, or ma-auth stop && ma-auth serve --detach.',
      );
    }
    return ok(`answering on ${address} (ma-auth ${health.version})`);
  },
};
