/**
 * HTML building blocks. Everything interpolated into `html\`…\`` is escaped
 * unless it is already `SafeHtml` (the output of another `html` template), so
 * a client name, a state value or an error text can never become markup.
 * Pages have no script at all and no inline style (CSP: see
 * http/security-headers.ts); all styling is in the stylesheet.
 */
import type { Config } from '../../config/config.js';
import { PATHS, pageHref } from '../urls.js';
import { STYLESHEET_VERSION } from './stylesheet.js';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escape for both text and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch] as string);
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] as string;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

function render(value: Interpolation): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
}

/** The document around every page: language, viewport, the one stylesheet, no referrer, no indexing. */
export function layout(config: Pick<Config, 'publicUrl'>, page: PageOptions): string {
  const css = `${pageHref(config, PATHS.stylesheet)}?v=${STYLESHEET_VERSION}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light dark">
<title>${page.title}</title>
<link rel="stylesheet" href="${css}">
</head>
<body>
<main>
${page.body}
</main>
</body>
</html>
`.value;
}
