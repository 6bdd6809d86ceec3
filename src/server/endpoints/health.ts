/**
 * GET /health: liveness for `ma-auth link`/`status` (the CLI's probe checks
 * `service === "ma-auth"`, so another program on the port is not mistaken
 * for the listener). Touches nothing: a slow store must not make the CLI
 * think no listener runs and start a second one.
 */
import type { Handler } from '../context.js';
import { sendJson } from '../http/respond.js';

export const health: Handler = async (req, ctx) => {
  sendJson(req.res, 200, { status: 'ok', service: 'ma-auth', version: ctx.version });
};
