/** The one client the oidc-provider peer knows (servers/oidc.ts), shared with the load side. */
export const OIDC_CLIENT = {
  id: 'bench-alexa',
  secret: 'bench-alexa-secret-0123456789abcdef0123456789',
} as const;
export const OIDC_SCOPE = 'music.read music.control';
export const OIDC_TOKEN_PATH = '/token';
