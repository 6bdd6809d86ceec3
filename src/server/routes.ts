/**
 * Every route the listener answers, in one table (DESIGN.md "Interfaces →
 * HTTP"; the /alexa/* paths stay compatible with existing Alexa console
 * settings, the /oauth/* aliases are the names other clients expect).
 *
 * `kind` decides how errors render: `json` per RFC 6749 §5.2, `page` as the
 * error page. HEAD is answered wherever GET is.
 */
import type { Handler } from './context.js';
import { approve } from './endpoints/approve.js';
import { authorize } from './endpoints/authorize.js';
import { deviceAuthorization } from './endpoints/device-authorization.js';
import { health } from './endpoints/health.js';
import { introspect } from './endpoints/introspect.js';
import { link } from './endpoints/link.js';
import { metadata } from './endpoints/metadata.js';
import { revoke } from './endpoints/revoke.js';
import { stylesheet } from './endpoints/static.js';
import { token } from './endpoints/token.js';
import type { RouteKind } from './errors.js';
import { PATHS } from './urls.js';

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly kind: RouteKind;
  readonly handler: Handler;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: PATHS.authorize, kind: 'page', handler: authorize },
  { method: 'GET', path: PATHS.authorizeAlias, kind: 'page', handler: authorize },
  { method: 'POST', path: PATHS.approve, kind: 'page', handler: approve },
  { method: 'POST', path: PATHS.token, kind: 'json', handler: token },
  { method: 'POST', path: PATHS.tokenAlias, kind: 'json', handler: token },
  { method: 'POST', path: PATHS.deviceAuthorization, kind: 'json', handler: deviceAuthorization },
  { method: 'GET', path: PATHS.link, kind: 'page', handler: link },
  { method: 'POST', path: PATHS.introspect, kind: 'json', handler: introspect },
  { method: 'POST', path: PATHS.revoke, kind: 'json', handler: revoke },
  { method: 'GET', path: PATHS.metadata, kind: 'json', handler: metadata },
  { method: 'GET', path: PATHS.health, kind: 'json', handler: health },
  { method: 'GET', path: PATHS.stylesheet, kind: 'page', handler: stylesheet },
];

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route }
  | { readonly kind: 'method'; readonly allow: readonly string[]; readonly routeKind: RouteKind }
  | { readonly kind: 'none' };

/** The routes of a table by path, built once per table. */
const byPath = new WeakMap<readonly Route[], Map<string, Route[]>>();

function routesOn(routes: readonly Route[], path: string): readonly Route[] {
  let index = byPath.get(routes);
  if (!index) {
    index = new Map();
    for (const r of routes) index.set(r.path, [...(index.get(r.path) ?? []), r]);
    byPath.set(routes, index);
  }
  return index.get(path) ?? [];
}

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const onPath = routesOn(routes, path);
  if (onPath.length === 0) return { kind: 'none' };
  const wanted = method === 'HEAD' ? 'GET' : method;
  const route = onPath.find((r) => r.method === wanted);
  if (route) return { kind: 'found', route };
  const allow = onPath.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]));
  return { kind: 'method', allow, routeKind: (onPath[0] as Route).kind };
}
