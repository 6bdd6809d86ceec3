/**
 * What `ma-auth link` shows. Text mode: the code (always as text; framed and
 * bold on a terminal), a QR of `verification_uri_complete` unless --no-qr,
 * what to do, and — on a terminal only — a countdown updated in place.
 * `--json`: one object per event, nothing else on stdout.
 *
 * Every value here came from the listener and was sanitised by device-client.ts.
 */
import type { IO } from '../../io.js';
import { renderQr } from '../../render/qr.js';
import type { Pairing } from './device-client.js';

export async function renderPairing(
  pairing: Pairing,
  options: { readonly qr: boolean; readonly tty: boolean; readonly color: boolean },
): Promise<string> {
  const bold = (s: string) => (options.color ? `\x1b[1m${s}\x1b[22m` : s);
  const minutes = Math.round(pairing.expiresIn / 60);
  const lines = [bold('Link your Alexa account to this Music Assistant'), ''];
  if (options.tty) {
    const spaced = [...pairing.userCode].join(' ');
    const bar = '─'.repeat(spaced.length + 6);
    lines.push(`  ┌${bar}┐`, `  │   ${bold(spaced)}   │`, `  └${bar}┘`, '');
  }
  lines.push(
    `  Pairing code: ${bold(pairing.userCode)}`,
    '',
    '  In the Alexa app: your skill → Link account → enter the code.',
    `  The code works once, for ${minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${pairing.expiresIn} seconds`}.`,
  );
  const qrTarget = pairing.verificationUriComplete ?? pairing.verificationUri;
  if (options.qr && isWebUrl(qrTarget)) {
    lines.push('', '  Or scan this on your phone: it opens a page with the code to copy.', '');
    lines.push(await renderQr(qrTarget));
    lines.push(`  ${qrTarget}`);
  } else if (isWebUrl(pairing.verificationUri)) {
    lines.push(`  The code is also shown at ${pairing.verificationUri}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Only http(s) links are offered to a phone camera. */
function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function formatLinkedAt(epochSeconds: number | null): string | null {
  if (epochSeconds === null) return null;
  const date = new Date(epochSeconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * A one-line countdown rewritten in place every second (terminals only).
 * Other messages go through `note`, which clears the line first.
 */
export class Countdown {
  private timer: NodeJS.Timeout | null = null;
  private drawn = false;

  constructor(
    private readonly io: IO,
    private readonly deadline: number,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), 1000);
  }

  note(text: string): void {
    this.clear();
    this.io.stdout.write(`${text}\n`);
    if (this.timer) this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }

  private draw(): void {
    const left = Math.max(0, Math.ceil((this.deadline - this.now()) / 1000));
    const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    // One line that never wraps: \r and erase-line can only redraw the line the cursor is on.
    const narrow = (this.io.stdout.columns ?? 80) < 66;
    const text = narrow
      ? `Waiting… ${clock} left`
      : `Waiting for the code to be entered… ${clock} left (Ctrl-C cancels)`;
    this.io.stdout.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.io.stdout.write('\r\x1b[2K');
    this.drawn = false;
  }
}
