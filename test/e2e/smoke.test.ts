import { afterEach, describe, expect, it } from 'vitest';
import { createTestInstall, type Listener, startListener } from '../support/install.js';

describe('a real listener from a real install', () => {
  let listener: Listener | undefined;
  afterEach(async () => {
    await listener?.stop();
  });

  it('serves accurate metadata for its public URL and stops gracefully on SIGTERM', async () => {
    const install = await createTestInstall();
    listener = await startListener(install);
    const meta = await (await fetch(`${install.baseUrl}/.well-known/oauth-authorization-server`)).json();
    expect(meta).toMatchObject({
      issuer: install.baseUrl,
      authorization_endpoint: `${install.baseUrl}/alexa/authorize`,
      token_endpoint: `${install.baseUrl}/alexa/token`,
    });
    expect(await listener.stop()).toBe(0);
    listener = undefined;
  });
});
