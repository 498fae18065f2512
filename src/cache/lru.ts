// A least-recently-used map bounded twice: by entry count and by an estimate
// of the bytes its entries keep. Every cache that a client can fill by sending
// distinct documents (parsed documents, compiled queries, persisted queries)
// is one of these, so that neither many small entries nor a few huge ones
// (a document can be as large as MAX_REQUEST_BYTES) can grow the process.
//
// A Map keeps insertion order, so the first key is the least recently used
// one as long as every hit re-inserts its key (get does).

export interface BoundedLruOptions<K, V> {
  /** At most this many entries. */
  maxEntries: number;
  /** At most this many bytes by `weigh`'s estimate (default: no byte bound). */
  maxBytes?: number;
  /** The estimated bytes one entry keeps (default 0: only the count bounds the cache). */
  weigh?: (key: K, value: V) => number;
}

export class BoundedLru<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private totalBytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly weigh: (key: K, value: V) => number;

  constructor(options: BoundedLruOptions<K, V>) {
    if (!(options.maxEntries >= 0)) throw new Error("maxEntries must be ≥ 0");
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.weigh = options.weigh ?? (() => 0);
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** The estimated bytes held now. */
  get bytes(): number {
    return this.totalBytes;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** The value without making it the most recently used (for metrics and tests). */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Stores the value as the most recently used, then drops the least recently used entries until both bounds hold. */
  set(key: K, value: V): void {
    this.delete(key);
    const bytes = this.weigh(key, value);
    // An entry larger than the whole budget would only push everything else out and then go itself.
    if (this.maxEntries === 0 || bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    while (this.entries.size > this.maxEntries || this.totalBytes > this.maxBytes) {
      this.delete(this.entries.keys().next().value as K);
    }
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }
}

/**
 * The bytes a string keeps in V8's heap, roughly: one per character when every
 * character fits in Latin-1, two otherwise (V8's one- and two-byte strings).
 * Long strings only: scanning is linear, and it runs once per cached entry.
 */
export function stringBytes(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the Latin-1 range, by code point
  return /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
}

/**
 * A 53-bit hash of a string (two FNV-1a variants side by side), for ledgers that remember having seen a text
 * without keeping it (a text may be up to MAX_REQUEST_BYTES). A collision only makes a cache admit a text a
 * request early.
 */
export function textHash(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * A bounded LRU that keeps a text's value only from the text's second `set` on (a "doorkeeper"): the first
 * time, only the text's hash is noted, in a ledger of `ledgerEntries` hashes. Why: a value kept for a while is
 * promoted to V8's old generation, and a stream of texts seen once would turn every one of them into old-
 * generation garbage (what grows the heap between full collections), for no hit ever. A text that repeats is
 * kept from its second time.
 */
export class SecondSightLru<V> {
  readonly entries: BoundedLru<string, V>;
  private readonly ledger: BoundedLru<number, true>;

  constructor(options: BoundedLruOptions<string, V> & { ledgerEntries: number }) {
    this.entries = new BoundedLru(options);
    this.ledger = new BoundedLru({ maxEntries: options.ledgerEntries });
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: V): void {
    if (this.entries.has(key)) {
      this.entries.set(key, value);
      return;
    }
    const hash = textHash(key);
    if (this.ledger.get(hash) === undefined) {
      this.ledger.set(hash, true);
      return;
    }
    this.ledger.delete(hash);
    this.entries.set(key, value);
  }
}
