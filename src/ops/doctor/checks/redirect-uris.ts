/** Are the Alexa client's redirect URIs the ones Amazon's console lists (exact match is required)? */
import { AMAZON_REDIRECT_HOSTS, isAmazonRedirectUri } from '../../../oauth/redirect-uri.js';
import { type Check, ok, problem, shellWord, skipped, warning } from '../check.js';

export const redirectUrisCheck: Check = {
  id: 'redirect-uris',
  title: 'Alexa redirect URIs',
  async run(ctx) {
    const config = await ctx.config();
    const store = await ctx.store();
    if (!config.ok || !store.ok) return skipped('needs a valid config and a sound store');
    const id = config.value.alexaClientId;
    const client = await store.value.store.getClient(id);
    if (!client) {
      return problem(
        `the Alexa client "${id}" ("alexaClientId" in the config) is not in the store`,
        `Set "alexaClientId" in ${ctx.deps.paths.configFile} to the client id of your Alexa skill ` +
          '(ma-auth clients list shows the registered clients).',
      );
    }
    const wrong = client.redirectUris.filter((u) => !isAmazonRedirectUri(u));
    if (wrong.length > 0) {
      return problem(
        `not in Amazon's form https://<${AMAZON_REDIRECT_HOSTS.join('|')}>/api/skill/link/<vendor id>: ${wrong.join(', ')}`,
        'Copy the "Alexa Redirect URLs" from the Alexa developer console (your skill → Build → Account Linking) ' +
          `and register them exactly: ma-auth clients redirect-uris ${shellWord(id)} --add <URL>, ` +
          `then remove the wrong ones: ma-auth clients redirect-uris ${shellWord(id)} ${wrong
            .map((u) => `--remove ${shellWord(u)}`)
            .join(' ')}`,
      );
    }
    const hosts = new Set(client.redirectUris.map((u) => new URL(u).hostname));
    if (hosts.size < AMAZON_REDIRECT_HOSTS.length) {
      const missing = AMAZON_REDIRECT_HOSTS.filter((h) => !hosts.has(h));
      return warning(
        `${client.redirectUris.length} registered, none for ${missing.join(', ')}`,
        'The console lists one redirect URL per region; an Alexa account in another region is sent to its own. ' +
          `Register all of them: ma-auth clients redirect-uris ${shellWord(id)} --add <URL>`,
      );
    }
    return ok(`${client.redirectUris.length} registered, all in Amazon's form`);
  },
};
