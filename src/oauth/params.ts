/**
 * Request parameters as the listener hands them over: one value per name
 * (duplicates are rejected before this layer, RFC 6749 §3.1).
 */
export type Params = Readonly<Record<string, string>>;

/** A parameter, never one inherited from Object.prototype; empty counts as absent (RFC 6749 §3.1). */
export function param(params: Params, name: string): string | undefined {
  if (!Object.hasOwn(params, name)) return undefined;
  const value = params[name];
  return value === '' ? undefined : value;
}
