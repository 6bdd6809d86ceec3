import { afterEach, beforeEach, expect, it } from 'vitest';
import { oauthCore } from '../../src/oauth/core.js';
import type { Protocol } from '../../src/server/protocol.js';
import { authorizeParams, type Fixture, META, makeFixture } from './fixture.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

it("fits the listener's Protocol seam and runs against the store", async () => {
  const core: Protocol = oauthCore(fx.deps);
  const view = await core.authorize(authorizeParams(), META);
  expect(view.client.id).toBe('amazon-alexa');
  expect(await oauthCore(fx.deps).sweep()).toMatchObject({ pendingRequests: 0 });
});
