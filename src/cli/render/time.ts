/** Times for people ("3 days ago", "in 6 months") and for scripts (ISO 8601, UTC). */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Largest unit first; a unit is used once the distance reaches it. */
const UNITS: readonly (readonly [Intl.RelativeTimeFormatUnit, number])[] = [
  ['year', 365 * DAY],
  ['month', 30 * DAY],
  ['week', 7 * DAY],
  ['day', DAY],
  ['hour', HOUR],
  ['minute', MINUTE],
];

const FORMAT = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** `at` relative to `now`, both epoch milliseconds. Under 45 s: "just now" / "in a few seconds". */
export function relativeTime(at: number, now: number): string {
  const diff = at - now;
  const distance = Math.abs(diff);
  if (distance < 45 * SECOND) return diff <= 0 ? 'just now' : 'in a few seconds';
  for (const [unit, ms] of UNITS) {
    if (distance >= ms || unit === 'minute') return FORMAT.format(Math.round(diff / ms), unit);
  }
  return FORMAT.format(Math.round(diff / MINUTE), 'minute');
}

export function isoTime(at: number): string;
export function isoTime(at: number | null): string | null;
export function isoTime(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}
