/**
 * The interactive set-up. Answers are validated as they are typed, with the
 * same checks as the flags; nothing is created until every answer is in, so
 * Ctrl-C here leaves nothing behind.
 */
import { checkPublicUrl } from '../../../config/config.js';
import type { KeyStoreChoice } from '../../../keys/source.js';
import { DEFAULT_ALEXA_CLIENT_ID } from '../../../oauth/builtin-clients.js';
import { checkRedirectUri } from '../../../oauth/redirect-uri.js';
import type { SetupInput } from '../../../ops/setup.js';
import type { Deps } from '../../deps.js';
import type { InitFlags } from './index.js';
import { validateInput } from './input.js';

export async function askSetup(flags: InitFlags, deps: Deps): Promise<SetupInput> {
  const { prompter, io } = deps;
  io.err(
    'Setting up ma-auth. Have the Alexa developer console open at your skill\'s "Account Linking" page.\n',
  );
  const publicUrl =
    flags.publicUrl ??
    (await prompter.input({
      message: 'Public https URL of this listener (your tunnel or proxy):',
      validate: (v) => {
        const problem = checkPublicUrl(v.trim(), Boolean(flags.insecureHttp));
        return problem ? `This URL ${problem}` : true;
      },
    }));
  const clientId =
    flags.clientId ??
    (await prompter.input({ message: 'Client ID for the Alexa skill:', default: DEFAULT_ALEXA_CLIENT_ID }));
  let redirectUris = flags.redirectUri ?? [];
  if (redirectUris.length === 0) {
    const answer = await prompter.input({
      message: 'Alexa Redirect URLs from the console (separate several with spaces):',
      validate: (v) => {
        const uris = v.split(/[\s,]+/).filter(Boolean);
        if (uris.length === 0)
          return 'Paste at least one, e.g. https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH';
        for (const uri of uris) {
          const problem = checkRedirectUri(uri);
          if (problem) return `${uri} ${problem}`;
        }
        return true;
      },
    });
    redirectUris = answer.split(/[\s,]+/).filter(Boolean);
  }
  const keyStore =
    (flags.keyStore as KeyStoreChoice | undefined) ??
    (await prompter.select<KeyStoreChoice>({
      message: 'Where should the data key live?',
      default: 'keychain',
      choices: [
        {
          value: 'keychain',
          name: 'OS keychain',
          description: 'macOS Keychain, Windows Credential Manager, Secret Service',
        },
        {
          value: 'file',
          name: 'Key file (0600, config dir)',
          description: 'headless servers without a keychain',
        },
        {
          value: 'env',
          name: 'Environment',
          description: 'the key you set in MA_AUTH_KEY or MA_AUTH_KEY_FILE',
        },
      ],
    }));
  return validateInput({ ...flags, clientId, keyStore }, publicUrl.trim(), redirectUris);
}
