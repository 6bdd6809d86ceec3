/** What init prints: the values to paste into the Alexa console, once. */
import type { Config } from '../../../config/config.js';
import { fingerprint } from '../../../keys/data-key.js';
import { ALEXA_SCOPES } from '../../../oauth/scopes.js';
import type { SetupResult } from '../../../ops/setup.js';
import type { Deps } from '../../deps.js';

export interface AlexaConsoleValues {
  readonly authorizationUri: string;
  readonly accessTokenUri: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authenticationScheme: string;
  readonly scopes: readonly string[];
  readonly redirectUris: readonly string[];
}

export function alexaConsoleValues(
  config: Config,
  redirectUris: readonly string[],
  secret: string,
): AlexaConsoleValues {
  return {
    authorizationUri: `${config.publicUrl}/alexa/authorize`,
    accessTokenUri: `${config.publicUrl}/alexa/token`,
    clientId: config.alexaClientId,
    clientSecret: secret,
    authenticationScheme: 'HTTP Basic (Recommended)',
    scopes: ALEXA_SCOPES,
    redirectUris,
  };
}

export function renderInitResult(result: SetupResult, v: AlexaConsoleValues, deps: Deps): string {
  const bold = (s: string) => (deps.io.color() ? `\x1b[1m${s}\x1b[22m` : s);
  const lines = [
    bold('ma-auth is set up.'),
    '',
    `  config      ${deps.paths.configFile}`,
    `  data        ${deps.paths.dataDir}`,
    `  data key    ${result.keySource.location} (fingerprint ${fingerprint(result.key)})`,
    '',
    bold('Paste these into the Alexa developer console → your skill → Account Linking:'),
    '',
    '  Authorization grant type   Auth Code Grant',
    `  Your Web Authorization URI ${v.authorizationUri}`,
    `  Access Token URI           ${v.accessTokenUri}`,
    `  Your Client ID             ${v.clientId}`,
    `  Your Secret                ${v.clientSecret}`,
    `  Your Authentication Scheme ${v.authenticationScheme}`,
    `  Scope                      ${v.scopes.join('  ')}  (add each separately)`,
    '',
    '  Redirect URIs this listener accepts (must match the console exactly):',
    ...v.redirectUris.map((u) => `    ${u}`),
    '',
    'The client secret is shown only this once; ma-auth keeps only its hash.',
    `Music Assistant's introspection secret is in ${deps.paths.introspectionSecretFile} (client id music-assistant).`,
  ];
  if (result.config.insecureHttp) {
    lines.push('', 'WARNING: the public URL is http. Alexa will refuse it; use this only for local testing.');
  }
  if (result.config.keyStore === 'file') {
    lines.push(
      '',
      `Keep a copy of ${deps.paths.keyFile} somewhere safe: without it the store cannot be opened.`,
    );
  }
  return lines.join('\n');
}
