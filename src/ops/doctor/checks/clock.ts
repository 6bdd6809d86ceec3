/**
 * Is the clock plausible? Every lifetime (tokens, codes, pairings) is measured
 * by it. Two signs of a wrong one: a date before this ma-auth existed, and a
 * store that recorded events "in the future" — the clock went back.
 */
import { type Check, ok, problem } from '../check.js';

/** Before this date no ma-auth existed: a clock showing it was never set (a board without an RTC). */
const EARLIEST_PLAUSIBLE = Date.UTC(2025, 0, 1);
/** The store's newest event may be this far ahead of now (two hosts sharing a volume drift a little). */
const TOLERANCE_MS = 5 * 60 * 1000;

const FIX =
  'Turn on time synchronisation: timedatectl set-ntp true (systemd-timesyncd), or install chrony; ' +
  "a container uses its host's clock, so fix it on the host.";

export const clockCheck: Check = {
  id: 'clock',
  title: 'clock',
  async run(ctx) {
    const now = ctx.deps.now();
    const iso = (t: number) => new Date(t).toISOString();
    if (now < EARLIEST_PLAUSIBLE) return problem(`the system clock says ${iso(now)}: it was never set`, FIX);
    const store = await ctx.store();
    if (!store.ok) return ok(`${iso(now)} (not compared with the store: see "store")`);
    const [newest] = await store.value.store.listAudit({ limit: 1, detail: false });
    if (newest && newest.at - now > TOLERANCE_MS) {
      return problem(
        `the clock went back: the store recorded an event at ${iso(newest.at)}, ` +
          `${Math.round((newest.at - now) / 60_000)} minutes after now (${iso(now)})`,
        FIX,
      );
    }
    return ok(`${iso(now)}${newest ? ', after the newest event in the store' : ''}`);
  },
};
