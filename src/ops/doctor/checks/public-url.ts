/** Is the public URL something Alexa will call: https, port 443, a public host name? */
import { isIP } from 'node:net';
import { checkPublicUrl } from '../../../config/config.js';
import { type Check, ok, problem, skipped } from '../check.js';

export const publicUrlCheck: Check = {
  id: 'public-url',
  title: 'public URL',
  async run(ctx) {
    const config = await ctx.config();
    if (!config.ok) return skipped('needs a valid config');
    const url = config.value.publicUrl;
    const fix =
      `Set "publicUrl" in ${ctx.deps.paths.configFile} to the https address your tunnel or proxy publishes ` +
      '(e.g. https://ma.example.com; docs/deployment.md), restart the listener, and update the ' +
      "authorization and access-token URIs in the Alexa console's Account Linking page.";
    const invalid = checkPublicUrl(url, false);
    if (invalid) return problem(`publicUrl ${url} ${invalid}`, fix);
    const parsed = new URL(url);
    if (parsed.port !== '') {
      return problem(`${url} names port ${parsed.port}; Alexa only calls https on port 443`, fix);
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (
      isIP(host) ||
      host === 'localhost' ||
      !host.includes('.') ||
      /\.(local|lan|home|internal)$/.test(host)
    ) {
      return problem(
        `${host} is not a public host name: the Alexa cloud cannot reach it, and no public CA certifies it`,
        fix,
      );
    }
    return ok(`${url} (https, port 443)`);
  },
};
