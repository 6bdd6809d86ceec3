/**
 * A batch of well-formed legacy token entries, held in columns allocated once
 * per run and reused, outside the JavaScript heap: a batch leaves nothing for
 * the garbage collector to copy. Held as objects, 8,192 entries at a time
 * outlived V8's young generation, and the heap grew by some 100 MiB over a
 * 100,000-entry dump; even a string per entry made it grow by 10.
 *
 * Tokens are kept only as the keys the store finds them by (crypto/token-hash.ts:
 * the SHA-256 of a legacy token's text); the text is dropped as soon as the
 * entry is added.
 */
import { tokenHash } from '../../crypto/token-hash.js';

/** The legacy server's user id for every approval. */
export const LEGACY_TEST_USER = 'test_user';

const DIGEST = 32;
/** User ids held per batch; a batch with longer ones is full sooner. */
const NAME_BYTES = 256 * 1024;

export class EntryBatch {
  size = 0;
  /** Entry i: the refresh token's digest at 2i·32, the access token's at (2i+1)·32. */
  private readonly digests: Buffer;
  /** The first 6 bytes of each digest, as a number: most comparisons end there. */
  private readonly keys: Float64Array;
  /** User ids, UTF-8: entry i's from nameEnd[i - 1] (or 0) to nameEnd[i]. */
  private names: Buffer;
  private readonly nameEnd: Uint32Array;
  /** Whether the entry's user id is the legacy server's `test_user`. */
  readonly testUser: Uint8Array;
  /** Access token expiry, epoch ms. */
  readonly expiresAt: Float64Array;
  /** Whether the access token is still valid (then it is imported, and can collide). */
  readonly live: Uint8Array;
  /** What the planner decided the entry's client is (an index into its own table). */
  readonly client: Int32Array;
  /** The scope the grant gets (the planner interns these). */
  readonly scope: string[];
  readonly scopeDefaulted: Uint8Array;
  /** Token slots (2i refresh, 2i+1 access) in digest order; filled by sort(). */
  private readonly order: Uint32Array;
  private ordered = 0;
  /** Per token slot: the first slot of the run of equal digests it belongs to, or -1 if unique in the batch. */
  private readonly group: Int32Array;

  constructor(readonly capacity: number) {
    this.digests = Buffer.alloc(2 * capacity * DIGEST);
    this.keys = new Float64Array(2 * capacity);
    this.names = Buffer.alloc(NAME_BYTES);
    this.nameEnd = new Uint32Array(capacity);
    this.testUser = new Uint8Array(capacity);
    this.expiresAt = new Float64Array(capacity);
    this.live = new Uint8Array(capacity);
    this.client = new Int32Array(capacity);
    this.scope = new Array<string>(capacity).fill('');
    this.scopeDefaulted = new Uint8Array(capacity);
    this.order = new Uint32Array(2 * capacity);
    this.group = new Int32Array(2 * capacity);
  }

  get full(): boolean {
    return this.size === this.capacity || this.nameBytes >= NAME_BYTES;
  }

  /** Adds an entry; returns its index. */
  add(userId: string, refreshToken: string, accessToken: string, expiresAt: number, live: boolean): number {
    const start = this.nameBytes;
    const i = this.size++;
    this.setDigest(2 * i, refreshToken);
    this.setDigest(2 * i + 1, accessToken);
    const length = Buffer.byteLength(userId);
    if (start + length > this.names.length) {
      // One long user id (keys are capped at 64 KiB); the batch is full after it.
      const bigger = Buffer.alloc(start + length);
      this.names.copy(bigger, 0, 0, start);
      this.names = bigger;
    }
    this.nameEnd[i] = start + this.names.write(userId, start);
    this.testUser[i] = userId === LEGACY_TEST_USER ? 1 : 0;
    this.expiresAt[i] = expiresAt;
    this.live[i] = live ? 1 : 0;
    return i;
  }

  clear(): void {
    this.size = 0;
    this.ordered = 0;
    if (this.names.length > NAME_BYTES) this.names = Buffer.alloc(NAME_BYTES);
  }

  userId(i: number): string {
    return this.names.toString('utf8', i === 0 ? 0 : this.nameEnd[i - 1], this.nameEnd[i]);
  }

  private get nameBytes(): number {
    return this.size === 0 ? 0 : (this.nameEnd[this.size - 1] as number);
  }

  /** A token slot's digest, as the store writes it (hex). */
  hex(slot: number): string {
    return this.digests.toString('hex', slot * DIGEST, (slot + 1) * DIGEST);
  }

  sameDigest(a: number, b: number): boolean {
    return (
      this.keys[a] === this.keys[b] &&
      this.digests.compare(this.digests, b * DIGEST, (b + 1) * DIGEST, a * DIGEST, (a + 1) * DIGEST) === 0
    );
  }

  /**
   * Orders the token slots that matter — every refresh token, the live access
   * tokens — by digest, which is the order of the store's hash index, and
   * finds the digests that occur more than once in the batch.
   */
  sort(): void {
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      this.order[n++] = 2 * i;
      if (this.live[i]) this.order[n++] = 2 * i + 1;
    }
    this.ordered = n;
    const slots = this.order.subarray(0, n);
    slots.sort((a, b) => this.compare(a, b));
    this.group.fill(-1, 0, 2 * this.size);
    for (let k = 1; k < n; k++) {
      const prev = slots[k - 1] as number;
      const slot = slots[k] as number;
      if (this.sameDigest(prev, slot)) {
        const first = this.group[prev] === -1 ? prev : (this.group[prev] as number);
        this.group[prev] = first;
        this.group[slot] = first;
      }
    }
  }

  /** The slots sort() ordered. */
  sorted(): Uint32Array {
    return this.order.subarray(0, this.ordered);
  }

  /** The run of equal digests a slot is in (an id for it), or -1 when its digest is unique in the batch. */
  groupOf(slot: number): number {
    return this.group[slot] as number;
  }

  private setDigest(slot: number, text: string): void {
    // Hex, written in: half the time of a Buffer result per call.
    this.digests.write(tokenHash(text), slot * DIGEST, DIGEST, 'hex');
    this.keys[slot] = this.digests.readUIntBE(slot * DIGEST, 6);
  }

  private compare(a: number, b: number): number {
    const ka = this.keys[a] as number;
    const kb = this.keys[b] as number;
    if (ka !== kb) return ka < kb ? -1 : 1;
    return this.digests.compare(this.digests, b * DIGEST, (b + 1) * DIGEST, a * DIGEST, (a + 1) * DIGEST);
  }
}
