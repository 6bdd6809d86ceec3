/**
 * The listener's paths, and how they look from outside.
 *
 * The public URL may carry a path prefix (`https://home.example/ma-auth`).
 * Pages link root-relative under that prefix, so they work whatever origin
 * the browser used; the router strips the prefix when the proxy forwards it
 * and accepts bare paths when the proxy strips it.
 */
import type { Config } from '../config/config.js';

export const PATHS = {
  authorize: '/alexa/authorize',
  authorizeAlias: '/oauth/authorize',
  approve: '/alexa/approve',
  token: '/alexa/token',
  tokenAlias: '/oauth/token',
  deviceAuthorization: '/oauth/device_authorization',
  link: '/link',
  introspect: '/oauth/introspect',
  revoke: '/oauth/revoke',
  metadata: '/.well-known/oauth-authorization-server',
  health: '/health',
  stylesheet: '/static/ma-auth.css',
} as const;

/** The public URL's path prefix without a trailing slash; '' for none. */
export function basePath(config: Pick<Config, 'publicUrl'>): string {
  return new URL(config.publicUrl).pathname.replace(/\/+$/, '');
}

/** Absolute URL of a path as clients reach it (metadata, verification_uri). */
export function publicEndpoint(config: Pick<Config, 'publicUrl'>, path: string): string {
  return `${config.publicUrl.replace(/\/+$/, '')}${path}`;
}

/** Root-relative URL of a path for links and forms in pages. */
export function pageHref(config: Pick<Config, 'publicUrl'>, path: string): string {
  return `${basePath(config)}${path}`;
}
