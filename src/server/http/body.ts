/**
 * Request bodies and query strings for the OAuth endpoints.
 *
 * - Bodies are read with a hard size limit: a declared Content-Length over the
 *   limit is refused before reading anything, a streamed body is refused the
 *   moment it crosses the limit. Nothing is buffered beyond the limit.
 * - OAuth POSTs must be `application/x-www-form-urlencoded` (RFC 6749 §4.1.3,
 *   RFC 8628 §3.1, RFC 7662 §2.1, RFC 7009 §2.1), UTF-8.
 * - A parameter given twice is refused (RFC 6749 §3.1: "MUST NOT be included
 *   more than once"), so `state` or `redirect_uri` can never mean two things
 *   to two layers; an empty value counts as omitted (same section).
 */
import type { IncomingMessage } from 'node:http';
import { InvalidRequest, OAuthError } from '../../oauth/errors.js';
import type { Params } from '../protocol.js';

/** Default body limit for form posts. OAuth requests are a few hundred bytes; 16 KiB leaves room for long redirect URIs. */
export const FORM_BODY_LIMIT = 16 * 1024;

/** 413: not an RFC 6749 code, so it carries `invalid_request` with its own status. */
export class PayloadTooLarge extends OAuthError {
  override readonly name = 'PayloadTooLarge';
  constructor(limit: number) {
    super('invalid_request', 413, `request body larger than ${limit} bytes`);
    // The rest of the body is not read: the connection cannot be reused.
    this.headers.Connection = 'close';
  }
}

/** The client went away mid-body; nobody is left to answer. */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new PayloadTooLarge(limit);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause(); // stop pulling; the 413 goes out with Connection: close
        reject(new PayloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new ClientGone('client closed the connection before sending the whole body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Stateless for whole-buffer decodes, so one serves every request. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Read and parse an OAuth form post. */
export async function readForm(req: IncomingMessage, limit = FORM_BODY_LIMIT): Promise<Params> {
  requireFormContentType(req.headers['content-type']);
  if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') {
    throw new InvalidRequest('compressed request bodies are not accepted');
  }
  const body = await readBody(req, limit);
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new InvalidRequest('request body is not valid UTF-8');
  }
  return parseForm(text);
}

export function requireFormContentType(header: string | undefined): void {
  const [mediaType = '', ...params] = (header ?? '').split(';').map((s) => s.trim().toLowerCase());
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  for (const p of params) {
    const [name, value = ''] = p.split('=', 2).map((s) => s.trim());
    if (name === 'charset' && !['utf-8', 'utf8', '"utf-8"'].includes(value)) {
      throw new InvalidRequest('the request body must be UTF-8');
    }
  }
}

/** Parse `a=1&b=2`, refusing repeated names (RFC 6749 §3.1). */
export function parseForm(text: string): Params {
  // Null prototype: a parameter named `__proto__` or `constructor` is just a key.
  const out: Record<string, string> = Object.create(null);
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (seen.has(name)) throw new InvalidRequest(`parameter "${printable(name)}" is included more than once`);
    seen.add(name);
    if (value !== '') out[name] = value;
  }
  return out;
}

/** The same rules for a query string (GET /alexa/authorize, /link). */
export function parseQuery(rawQuery: string): Params {
  return parseForm(rawQuery);
}

/** Parameter names are echoed in error descriptions: keep them short and printable. */
function printable(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
