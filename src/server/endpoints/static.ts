/**
 * GET /static/ma-auth.css: the pages' stylesheet. Pages link it with a content
 * hash in the query, so it may be cached for a year; the ETag answers
 * revalidations with 304.
 */
import type { Handler } from '../context.js';
import { send } from '../http/respond.js';
import { STYLESHEET, STYLESHEET_VERSION } from '../pages/stylesheet.js';

const BODY = Buffer.from(STYLESHEET, 'utf8');
const ETAG = `"${STYLESHEET_VERSION}"`;
const CACHE = 'public, max-age=31536000, immutable';

export const stylesheet: Handler = async (req) => {
  if (req.raw.headers['if-none-match'] === ETAG) {
    send(req.res, 304, null, '', { ETag: ETAG, 'Cache-Control': CACHE });
    return;
  }
  send(req.res, 200, 'text/css; charset=utf-8', BODY, { ETag: ETAG, 'Cache-Control': CACHE });
};
