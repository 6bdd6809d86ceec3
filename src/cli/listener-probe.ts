/** Is a listener answering on this address? A GET /health with a short timeout (undici). */
export async function probeListener(
  listen: { host: string; port: number },
  timeoutMs: number,
): Promise<boolean> {
  return (await probeHealth(listen, timeoutMs)) !== null;
}

/** What /health said, when an ma-auth listener answered; null otherwise. */
export async function probeHealth(
  listen: { host: string; port: number },
  timeoutMs: number,
): Promise<{ readonly version: string } | null> {
  const { request } = await import('undici');
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const target = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '[::1]' : host;
  try {
    const res = await request(`http://${target}:${listen.port}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const body = (await res.body.json().catch(() => null)) as { service?: string; version?: unknown } | null;
    if (res.statusCode !== 200 || body?.service !== 'ma-auth') return null;
    return { version: typeof body.version === 'string' ? body.version : 'unknown' };
  } catch {
    return null;
  }
}
