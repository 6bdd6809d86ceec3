/**
 * The physical limit: plain node:http on the same path answering every POST
 * with a fixed token-shaped JSON body (as long as ma-auth's). It reads the
 * request body, as any token endpoint must, and does nothing else.
 *
 * Usage: bare.ts <port> <path>
 */
import { createServer } from 'node:http';
import { announceReady, argPort, onStop } from './child.js';

const port = argPort(process.argv[2]);
const path = process.argv[3] ?? '/alexa/token';
const BODY = JSON.stringify({
  access_token: `maa_at_${'A'.repeat(43)}`,
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: `maa_rt_${'R'.repeat(43)}`,
  scope: 'music.read music.control',
});

const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(BODY),
    });
    res.end(BODY);
  });
});

server.listen(port, '127.0.0.1', () => announceReady({ port }));
onStop(
  () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
