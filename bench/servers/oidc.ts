/**
 * The peer: oidc-provider 9 with one confidential client (client_secret_basic)
 * allowed the refresh_token and client_credentials grants, refresh tokens
 * rotating or not (its `rotateRefreshToken`), tokens opaque, no ID tokens
 * (no `openid` scope — ma-auth issues none either).
 *
 * Storage: oidc-provider's own in-memory adapter (lib/adapters/memory_adapter.js,
 * what it uses when none is configured), given a larger LRU: its default
 * holds 1,000 entries and would evict live refresh tokens under 1,000
 * connections, which measures the cache size, not the server.
 *
 * Refresh tokens for the load are pre-issued here, on request over IPC, as a
 * Grant plus a RefreshToken saved through the provider's own models — what a
 * finished authorization-code flow leaves behind.
 *
 * Usage: oidc.ts <port> <rotating|non-rotating>
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import { announceReady, argPort, onStop } from './child.js';
import { OIDC_CLIENT, OIDC_SCOPE } from './oidc-client.js';

const LRU_ENTRIES = 5_000_000;

const port = argPort(process.argv[2]);
const rotating = process.argv[3] !== 'non-rotating';
const storage = new LRU({ maxSize: LRU_ENTRIES });

const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: (model: string) => new MemoryAdapter(model, storage, 0),
  clients: [
    {
      client_id: OIDC_CLIENT.id,
      client_secret: OIDC_CLIENT.secret,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      redirect_uris: ['https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: OIDC_SCOPE,
    },
  ],
  scopes: ['openid', 'offline_access', 'music.read', 'music.control'],
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  issueRefreshToken: () => true,
  rotateRefreshToken: rotating,
  // The same lifetimes as ma-auth's defaults (access 1 h, refresh 180 days).
  ttl: { AccessToken: 3600, RefreshToken: 180 * 24 * 3600, Grant: 180 * 24 * 3600, ClientCredentials: 3600 },
  findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
});

async function issueRefreshTokens(count: number): Promise<string[]> {
  const client = await provider.Client.find(OIDC_CLIENT.id);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const grant = new provider.Grant({ accountId: `owner-${i}`, clientId: OIDC_CLIENT.id });
    grant.addOIDCScope(OIDC_SCOPE);
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      accountId: `owner-${i}`,
      grantId,
      client,
      scope: OIDC_SCOPE,
      gty: 'authorization_code',
      expiresWithSession: false,
    });
    tokens.push(await token.save());
  }
  return tokens;
}

process.on('message', (msg: { type?: string; count?: number; file?: string }) => {
  if (msg?.type !== 'issue') return;
  issueRefreshTokens(msg.count ?? 0).then(
    (tokens) => {
      writeFileSync(msg.file as string, JSON.stringify(tokens));
      process.send?.({ type: 'issued', count: tokens.length });
    },
    (err: unknown) => process.send?.({ type: 'issued', error: String(err) }),
  );
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => announceReady({ port, rotating }));
onStop(
  () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
