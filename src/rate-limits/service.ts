// The rules of rate limits, over a store (src/rate-limits/store.ts):
// - requests: each API key has a budget of cost points per window (GitHub's
//   5,000 an hour by default), charged with the request's computed cost before
//   it runs, in points of `costPerPoint` (100 by default: GitHub divides by 100
//   too); keyless requests (introspection) are charged to the client
//   address. A request costs at least 1 point, as GitHub's do.
// - failed authentications: counted per client address; past the limit, the
//   address is refused without its key being looked up until the window ends.
//   Each process remembers the addresses it found over the limit, so that
//   refusal costs no statement; another process learns it at its own next
//   failure from that address (at most one more lookup per process).
// - figures of requests refused before they were charged (parse, validation,
//   a limit): what this process last learned of the bucket, from its own
//   charges, never a statement (a refused request touches no database). On the
//   embedded database that is the whole truth; on PostgreSQL other processes'
//   charges since then are not in it.
import type { RateLimitStore, Window } from "./store.js";

export interface Budget {
  /** Points (requests) or failures (authentication) per window. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitOptions {
  requests: Budget;
  authFailures: Budget;
  /** The cost (README "Limits and cost") that makes one point; a request is charged at least 1 point. Default 1. */
  costPerPoint?: number;
  /** The clock of windows (tests move it). */
  now?: () => Date;
}

/** A bucket's figures, as Query.rateLimit, `extensions.rateLimit` and the RateLimit-* headers report them. */
export interface Figures {
  limit: number;
  /** What this request costs (0 for a figure only read). */
  cost: number;
  used: number;
  remaining: number;
  resetAt: Date;
  windowSeconds: number;
}

export interface ChargeResult extends Figures {
  accepted: boolean;
}

export const keyBucket = (keyId: string) => `key:${keyId}`;
export const addressBucket = (address: string) => `address:${address}`;
export const authFailureBucket = (address: string) => `auth-failures:${address}`;

/** How often a process forgets ended windows (a bucket per address would otherwise pile up). */
const SWEEP_INTERVAL_MS = 10 * 60_000;
/** Addresses remembered as blocked, and buckets' latest figures, at most (the oldest entry is dropped first). */
const MAX_REMEMBERED = 10_000;

/** Sets a key of a bounded Map (MAX_REMEMBERED), as its newest entry. */
export function remember<K, V>(map: Map<K, V>, key: K, value: V) {
  map.delete(key);
  if (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

export class RateLimiter {
  readonly requests: Budget;
  readonly authFailures: Budget;
  /** The cost that makes one point. */
  readonly costPerPoint: number;
  /** The clock of windows. */
  readonly now: () => Date;
  /** Addresses over the failure limit, as this process learned it: their window's figures. */
  private readonly blocked = new Map<string, Figures>();
  /** Each bucket's window as this process's latest charge of it answered. */
  private readonly recent = new Map<string, Window>();
  private lastSweep: number;

  constructor(
    private readonly store: RateLimitStore,
    options: RateLimitOptions,
  ) {
    this.requests = options.requests;
    this.authFailures = options.authFailures;
    this.costPerPoint = options.costPerPoint ?? 1;
    this.now = options.now ?? (() => new Date());
    this.lastSweep = this.now().getTime();
  }

  /** Charges a request's cost to a bucket; refused whole (nothing added) when it does not fit the remaining budget. */
  async charge(bucket: string, cost: number): Promise<ChargeResult> {
    const points = Math.max(1, Math.ceil(cost / this.costPerPoint));
    const now = this.now();
    const charge = await this.store.charge(bucket, points, this.requests.limit, this.requests.windowSeconds * 1000, now);
    remember(this.recent, bucket, { used: charge.used, resetAt: charge.resetAt });
    this.maybeSweep(now);
    return { ...figures(this.requests, charge, points), accepted: charge.accepted };
  }

  /**
   * A bucket's figures as this process last learned them, without a statement (requests refused before they ran);
   * whole again when that window has ended since. Null for a bucket this process has not charged.
   */
  lastKnown(bucket: string): Figures | null {
    const window = this.recent.get(bucket);
    return window ? (window.resetAt > this.now() ? figures(this.requests, window, 0) : this.whole()) : null;
  }

  /** The figures of a window not begun yet: the whole budget. */
  whole(): Figures {
    return figures(this.requests, freshWindow(this.requests, this.now()), 0);
  }

  /** Counts a failed authentication from an address; not accepted: the address was already over the limit. */
  async authFailure(address: string): Promise<ChargeResult> {
    const now = this.now();
    const { limit, windowSeconds } = this.authFailures;
    const charge = await this.store.charge(authFailureBucket(address), 1, limit, windowSeconds * 1000, now);
    this.maybeSweep(now);
    const result = { ...figures(this.authFailures, charge, 1), accepted: charge.accepted };
    // The last failure allowed, or one past it: the next attempt is refused without a lookup.
    if (charge.used >= limit) this.block(address, result);
    return result;
  }

  /** The failure figures of an address this process knows to be over the limit; null when it may try. */
  blockedAddress(address: string): Figures | null {
    const known = this.blocked.get(address);
    if (!known) return null;
    if (known.resetAt <= this.now()) {
      this.blocked.delete(address);
      return null;
    }
    return known;
  }

  private block(address: string, result: Figures) {
    remember(this.blocked, address, { ...result, cost: 0 });
  }

  /** Now and then (never on the request's path: not awaited), ended windows are deleted. */
  private maybeSweep(now: Date) {
    if (now.getTime() - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now.getTime();
    for (const [address, known] of this.blocked) if (known.resetAt <= now) this.blocked.delete(address);
    for (const [bucket, window] of this.recent) if (window.resetAt <= now) this.recent.delete(bucket);
    // A failed sweep (the database went away) is retried at the next interval; the windows stay valid meanwhile.
    this.store.sweep(now).catch(() => {});
  }
}

function freshWindow(budget: Budget, now: Date): Window {
  return { used: 0, resetAt: new Date(now.getTime() + budget.windowSeconds * 1000) };
}

function figures(budget: Budget, window: Window, cost: number): Figures {
  return {
    limit: budget.limit,
    cost,
    used: window.used,
    // A lowered limit can leave a window with more used than the new limit allows.
    remaining: Math.max(0, budget.limit - window.used),
    resetAt: window.resetAt,
    windowSeconds: budget.windowSeconds,
  };
}

/** The figures of the request a context belongs to, once it was charged (Query.rateLimit reads them). */
const byContext = new WeakMap<object, Figures>();

export function rememberFigures(context: object, figures: Figures): void {
  byContext.set(context, figures);
}

/** This request's figures; null when it was not charged (rate limits off). */
export function rateLimitOf(context: object): Figures | null {
  return byContext.get(context) ?? null;
}

/** Whole seconds until a window ends (at least 1: a client told 0 would retry at once, before the reset). */
export function secondsUntil(resetAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
}
