/** `--since`: a duration back from now (`30m`, `24h`, `7d`, `2w`) or a date / date-time (ISO 8601). */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Epoch milliseconds, or null when `value` is neither form. */
export function parseSince(value: string, now: number): number | null {
  const text = value.trim();
  const duration = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/i.exec(text);
  if (duration) {
    return now - Number(duration[1]) * (UNIT_MS[(duration[2] as string).toLowerCase()] as number);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : at;
}
