/** Turning flags (and wizard answers) into a validated set-up request. */
import { userInfo } from 'node:os';
import { checkPublicUrl, DEFAULT_LISTEN, parseListen } from '../../../config/config.js';
import type { KeyStoreChoice } from '../../../keys/source.js';
import { DEFAULT_ALEXA_CLIENT_ID } from '../../../oauth/builtin-clients.js';
import { checkRedirectUri } from '../../../oauth/redirect-uri.js';
import type { SetupInput } from '../../../ops/setup.js';
import type { Deps } from '../../deps.js';
import { usageError } from '../../errors.js';
import type { InitFlags } from './index.js';

const KEY_STORES: readonly KeyStoreChoice[] = ['keychain', 'file', 'env'];

/** Non-interactive: flags plus defaults; anything required and missing is a usage error, never a prompt. */
export function fromFlags(flags: InitFlags, deps: Deps): SetupInput {
  const missing: string[] = [];
  if (!flags.publicUrl) missing.push('--public-url');
  if (!flags.redirectUri?.length) missing.push('--redirect-uri');
  if (missing.length) {
    const why = deps.io.canPrompt() ? 'with --yes' : 'without a terminal to ask on';
    throw usageError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required ${why}. Example:\n` +
        '  ma-auth init --yes --public-url https://ma.example.com --redirect-uri https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH',
    );
  }
  return validateInput(flags, flags.publicUrl as string, flags.redirectUri as string[]);
}

export function validateInput(
  flags: InitFlags,
  publicUrl: string,
  redirectUris: readonly string[],
): SetupInput {
  const insecureHttp = Boolean(flags.insecureHttp);
  const urlProblem = checkPublicUrl(publicUrl, insecureHttp);
  if (urlProblem) throw usageError(`--public-url ${urlProblem}`);
  for (const uri of redirectUris) {
    const problem = checkRedirectUri(uri);
    if (problem) throw usageError(`--redirect-uri ${JSON.stringify(uri)} ${problem}`);
  }
  const keyStore = (flags.keyStore ?? 'file') as KeyStoreChoice;
  if (!KEY_STORES.includes(keyStore)) {
    throw usageError(
      `--key-store must be one of ${KEY_STORES.join(', ')} (got ${JSON.stringify(flags.keyStore)})`,
    );
  }
  const listen = flags.listen ? parseListen(flags.listen) : { ...DEFAULT_LISTEN };
  if (!listen)
    throw usageError(`--listen must be host:port, e.g. 127.0.0.1:8787 (got ${JSON.stringify(flags.listen)})`);
  const clientId = flags.clientId ?? DEFAULT_ALEXA_CLIENT_ID;
  if (!/^[\x21-\x7e]{1,128}$/.test(clientId)) {
    throw usageError('--client-id must be 1-128 printable characters without spaces');
  }
  return {
    publicUrl,
    listen,
    keyStore,
    alexaClientId: clientId,
    redirectUris: [...new Set(redirectUris)],
    insecureHttp,
    ownerName: safeUserName(),
  };
}

function safeUserName(): string {
  try {
    return userInfo().username || 'owner';
  } catch {
    return 'owner';
  }
}
