/**
 * In-memory rate limits: one token bucket per (rule, subject), where the
 * subject is a client address or a client id.
 *
 * A bucket holds `limit` tokens and refills `limit` tokens per `windowSeconds`,
 * continuously: a burst of `limit` is allowed, then one request per
 * `windowSeconds / limit`. An empty bucket answers `RateLimited` with the
 * seconds until the next token (429 + Retry-After).
 *
 * Memory is bounded: at most `maxKeys` buckets. A full bucket is the same as
 * no bucket, so those are swept first; if all are in use, the least recently
 * used tenth is dropped (which forgives some limited subjects — better than
 * unbounded growth under a spray of addresses). IPv6 addresses are keyed by
 * their /64, the block one subscriber usually controls.
 *
 * One process, one memory: a restart forgets the counts. That is fine for
 * request rates; wrong pairing codes (RFC 8628 §5.1) are counted by the
 * protocol core in the store, per request and per address, across restarts.
 */
import { isIP } from 'node:net';
import { RateLimited } from '../../oauth/errors.js';

export interface RateRule {
  readonly limit: number;
  readonly windowSeconds: number;
}

/**
 * Defaults. Addresses are per client address, clients per authenticated client id.
 * Behind a proxy without `trustProxy`, every request has the proxy's address,
 * so address limits are set well above what legitimate use needs.
 */
export const DEFAULT_RATE_RULES = {
  /** Opening the consent page: a person retrying, not a script. */
  'authorize:address': { limit: 30, windowSeconds: 60 },
  /** Submitting the consent form. */
  'approve:address': { limit: 20, windowSeconds: 60 },
  /** Token endpoint: Alexa refreshes about hourly per user; device polling is one per 5 s. */
  'token:address': { limit: 60, windowSeconds: 60 },
  'token:client': { limit: 300, windowSeconds: 60 },
  /** Starting pairings: `ma-auth link` does one at a time. */
  'device-authorization:address': { limit: 10, windowSeconds: 60 },
  'device-authorization:client': { limit: 10, windowSeconds: 60 },
  /** Music Assistant introspects on each Alexa request. */
  'introspect:address': { limit: 600, windowSeconds: 60 },
  'introspect:client': { limit: 600, windowSeconds: 60 },
  'revoke:address': { limit: 30, windowSeconds: 60 },
  /** The QR code's page. */
  'link:address': { limit: 30, windowSeconds: 60 },
} as const satisfies Record<string, RateRule>;

export type RateRuleName = keyof typeof DEFAULT_RATE_RULES;

/** Default bound on buckets in memory: ~10k × ~100 bytes. */
export const DEFAULT_MAX_KEYS = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RateLimiterOptions {
  readonly rules?: Partial<Record<RateRuleName, RateRule>>;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  readonly maxKeys?: number;
  /** Called once per refused request (metrics). */
  readonly onLimited?: (rule: RateRuleName) => void;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rules: Record<RateRuleName, RateRule>;
  private readonly now: () => number;
  private readonly maxKeys: number;
  private readonly onLimited: ((rule: RateRuleName) => void) | undefined;

  constructor(options: RateLimiterOptions = {}) {
    this.rules = { ...DEFAULT_RATE_RULES, ...options.rules };
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.onLimited = options.onLimited;
  }

  /** Spend one token or throw `RateLimited`. */
  take(rule: RateRuleName, subject: string): void {
    const bucket = this.refill(rule, subject);
    if (bucket.tokens < 1) throw this.limited(rule, bucket);
    bucket.tokens -= 1;
  }

  /** Throw `RateLimited` if the bucket is empty, without spending. */
  check(rule: RateRuleName, subject: string): void {
    const bucket = this.refill(rule, subject);
    if (bucket.tokens < 1) throw this.limited(rule, bucket);
  }

  /**
   * Spend one token, never throwing: for work already done (tokens issued
   * must be delivered). The next `check` or `take` sees the debt.
   */
  charge(rule: RateRuleName, subject: string): void {
    const bucket = this.refill(rule, subject);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
  }

  /** Buckets in memory (for tests and diagnostics). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(rule: RateRuleName, subject: string): Bucket {
    const { limit, windowSeconds } = this.rules[rule];
    const key = `${rule}|${subjectKey(subject)}`;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-inserted below: Map order is recency order
      const elapsed = Math.max(0, now - bucket.updatedAt);
      bucket.tokens = Math.min(limit, bucket.tokens + (elapsed * limit) / (windowSeconds * 1000));
      bucket.updatedAt = now;
    } else {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = { tokens: limit, updatedAt: now };
    }
    this.buckets.set(key, bucket);
    return bucket;
  }

  private limited(rule: RateRuleName, bucket: Bucket): RateLimited {
    this.onLimited?.(rule);
    const { limit, windowSeconds } = this.rules[rule];
    return new RateLimited(((1 - bucket.tokens) * windowSeconds) / limit);
  }

  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const rule = this.rules[key.slice(0, key.indexOf('|')) as RateRuleName];
      const refilled = bucket.tokens + ((now - bucket.updatedAt) * rule.limit) / (rule.windowSeconds * 1000);
      if (refilled >= rule.limit) this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxKeys) return;
    let drop = Math.max(1, Math.floor(this.maxKeys / 10));
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

/** IPv6 addresses by /64; anything else as is. */
function subjectKey(subject: string): string {
  // Every IPv6 address has a colon; a client id or an IPv4 address is taken
  // as is without running isIP's IPv6 expression on it.
  if (!subject.includes(':') || isIP(subject) !== 6) return subject;
  const [head = '', tail] = subject.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
