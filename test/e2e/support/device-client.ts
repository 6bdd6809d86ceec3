/** Registering a third-party device client (DESIGN.md "Other devices") with the real `ma-auth clients add`. */
import { expect } from 'vitest';
import { runCli } from '../../support/cli.js';
import type { Install } from '../../support/install.js';

export interface DeviceClientCredentials {
  readonly id: string;
  /** Null for a public client. */
  readonly secret: string | null;
}

export async function addDeviceClient(
  install: Install,
  id: string,
  type: 'confidential' | 'public',
): Promise<DeviceClientCredentials> {
  const r = await runCli(
    ['clients', 'add', '--id', id, '--name', id, '--json', ...(type === 'public' ? ['--public'] : [])],
    install.env,
  );
  expect(r.code, r.stderr).toBe(0);
  const added = JSON.parse(r.stdout) as {
    client: { id: string; role: string; type: string };
    client_secret: string | null;
  };
  expect(added.client).toMatchObject({ id, role: 'device', type });
  return { id, secret: added.client_secret };
}
