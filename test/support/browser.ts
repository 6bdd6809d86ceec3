/**
 * A real phone-sized browser for page tests: Debian's Chromium driven by
 * playwright-core, axe-core run inside the page, screenshots saved under
 * test-artifacts/browser/ (gitignored: the artifact a reviewer looks at).
 *
 * The tsconfig has no DOM lib, so code that runs in the page is passed to
 * `page.evaluate` as a string.
 */
import { constants } from 'node:fs';
import { access, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from './paths.js';

/** Debian's package; `.ci/run` installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * The network is closed: without the background-networking flags Chromium
 * floods refused connections. Playwright's `launch` gives every browser a
 * fresh temporary profile (it refuses a `--user-data-dir` argument).
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** An iPhone 12-15 sized screen. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
} as const;

export const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

export async function launchBrowser(): Promise<Browser> {
  try {
    await access(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it. ` +
        'Install it with `apt-get install chromium` (bash .ci/run does).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** What a page did that a consent page must never do (Alexa: no pop-ups or alerts; CSP: no blocked content). */
export interface PageWatch {
  /** alert/confirm/prompt/beforeunload messages (each dismissed). */
  readonly dialogs: string[];
  /** console errors and warnings, with the URL they are about. */
  readonly console: { readonly type: string; readonly text: string; readonly url: string }[];
  readonly pageErrors: string[];
  /** Requests that left the listener's origin (aborted unless a test routes them). */
  readonly offsite: string[];
  /** Console errors other than the browser's own favicon probe (the listener has no favicon, by design). */
  problems(): string[];
}

export interface PhonePage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly watch: PageWatch;
}

/**
 * A new context (its own cookies) with one page on a phone screen. Requests
 * that leave `origin` are recorded and aborted (the network is closed
 * anyway); a test that expects one routes it on the page, which wins.
 */
export async function openPhone(
  browser: Browser,
  origin: string,
  options: { readonly colorScheme?: 'light' | 'dark' } = {},
): Promise<PhonePage> {
  const context = await browser.newContext({ ...PHONE, colorScheme: options.colorScheme ?? 'light' });
  const watch: PageWatch = {
    dialogs: [],
    console: [],
    pageErrors: [],
    offsite: [],
    problems() {
      return this.console
        .filter((m) => m.type === 'error' && !m.url.endsWith('/favicon.ico'))
        .map((m) => `${m.text} (${m.url})`);
    },
  };
  await context.route(
    (url) => url.origin !== origin,
    async (route) => {
      watch.offsite.push(route.request().url());
      await route.abort('blockedbyclient');
    },
  );
  const page = await context.newPage();
  page.on('dialog', async (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      watch.console.push({ type: msg.type(), text: msg.text(), url: msg.location().url });
    }
  });
  page.on('pageerror', (err) => watch.pageErrors.push(err.message));
  return { context, page, watch };
}

/** Where the browser was sent on another site (the client's redirect URI): recorded and answered 200 "ok". */
export interface RedirectCapture {
  readonly urls: string[];
  /** The first captured URL, waiting for it if need be. */
  next(timeoutMs?: number): Promise<URL>;
}

export async function captureRedirects(page: Page, pattern: string): Promise<RedirectCapture> {
  const urls: string[] = [];
  let wake: (() => void) | null = null;
  await page.route(pattern, async (route) => {
    urls.push(route.request().url());
    wake?.();
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' });
  });
  return {
    urls,
    next: async (timeoutMs = 10_000) => {
      if (urls.length === 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no navigation to ${pattern} within ${timeoutMs} ms`)),
            timeoutMs,
          );
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return new URL(urls[0] as string);
    },
  };
}

// ── accessibility ──

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly helpUrl: string;
  readonly targets: string[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page as it is served. The script is evaluated over
 * the DevTools protocol, which the page's CSP does not govern, so the CSP
 * stays in force for the page itself (no `bypassCSP`).
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if ((await page.evaluate('typeof window.axe')) === 'undefined') await page.evaluate(axeSource);
  const json = await page.evaluate<string>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    JSON.stringify(r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }))))`);
  return JSON.parse(json) as AxeViolation[];
}

/**
 * The serious and critical violations, in light and dark colour schemes (the
 * stylesheet claims WCAG AA contrast in both). Every violation found, of any
 * impact, is printed.
 */
export async function seriousAxeViolations(page: Page, label: string): Promise<string[]> {
  const serious: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const v of await runAxe(page)) {
      const line = `${label} (${scheme}): [${v.impact}] ${v.id}: ${v.help} — ${v.targets.join(', ')} (${v.helpUrl})`;
      console.warn(`axe: ${line}`);
      if (v.impact === 'serious' || v.impact === 'critical') serious.push(line);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return serious;
}

// ── keyboard and layout ──

export interface Focused {
  /** `#id`, or `tag[name=value]` for a button. */
  readonly selector: string;
  readonly focusVisible: boolean;
  /** Computed outline, e.g. "solid 3px". */
  readonly outline: string;
}

/** Presses Tab and reports what got focus and whether the focus is drawn. */
export async function tab(page: Page): Promise<Focused> {
  await page.keyboard.press('Tab');
  return page.evaluate<Focused>(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { selector: 'body', focusVisible: false, outline: 'none' };
    const style = getComputedStyle(el);
    const selector = el.id ? '#' + el.id : el.tagName.toLowerCase() + '[' + el.getAttribute('name') + '=' + el.getAttribute('value') + ']';
    return { selector, focusVisible: el.matches(':focus-visible'), outline: style.outlineStyle + ' ' + style.outlineWidth };
  })()`);
}

/** True when the page is wider than the screen (a sideways scroll on a phone). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');
}

// ── screenshots ──

/** A full-page PNG under test-artifacts/browser/; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// ── the consent page ──

export interface AuthorizeRequest {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly scope?: string;
  /** Extra parameters, e.g. PKCE's code_challenge. */
  readonly extra?: Record<string, string>;
}

/** The URL the Alexa app opens; spaces in `scope` as %20, as Alexa sends them. */
export function authorizeUrl(r: AuthorizeRequest): string {
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: r.clientId,
    redirect_uri: r.redirectUri,
    state: r.state,
    scope: r.scope ?? 'music.read music.control',
    ...r.extra,
  };
  const query = Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return `${r.baseUrl}/alexa/authorize?${query}`;
}

/** The consent page's controls. */
export const CONSENT = {
  codeField: '#user_code',
  approve: 'button[name=action][value=approve]',
  deny: 'button[name=action][value=deny]',
  error: 'p.error[role=alert]',
} as const;
