// Gives back the memory of a burst of requests once the server goes quiet.
//
// Under load V8 sizes its heap to the allocation rate: the old space grows to
// hold a few hundred requests' garbage between full collections (a nested
// read allocates ~4 MB), and the process keeps that memory after the load
// ends. V8's own memory reducer gives it back only after ~8 s of quiet, and
// not at all under a trickle of requests. Measured after 400 nested reads:
// RSS 244 MB, and 134 MB after one full collection.
//
// So IDLE_COLLECT_MS after the last request began or ended (requests served
// since the last collection), the server runs one collection for low memory
// (full, and the freed pages returned): a pause of a few tens of milliseconds
// when nobody waits, instead of holding the memory. Not sooner than 15 s by
// default: the collection shrinks the heap, and the next burst pays to grow it
// again (measured with 2 s: the benchmark's nested read, whose API segments
// alternate with 5 s of the baseline's, cost ~15 % more CPU per request and
// its p99 at 32 connections rose by half). 15 s of quiet means the load is over.
// A request arriving meanwhile waits for the rest of that pause. Bounding the
// heap under load instead (a cap on the old space) costs ~25 % of the CPU of
// every request (README "Memory").
import type { IncomingMessage, ServerResponse } from "node:http";
import { Session } from "node:inspector/promises";

/**
 * V8's collection for low memory, as the inspector's `HeapProfiler.collectGarbage` asks for it (an in-process session,
 * no port): a full collection that also shrinks the young generation and returns the freed pages to the OS. A plain
 * full collection (`gc()` of `--expose-gc`) frees the same objects and keeps the pages: measured, RSS 293 → 282 MB,
 * against 293 → ~140 MB this way.
 */
export function lowMemoryCollection(): () => Promise<void> {
  return async () => {
    const session = new Session();
    session.connect();
    try {
      await session.post("HeapProfiler.collectGarbage");
    } finally {
      session.disconnect();
    }
  };
}

/** Runs `collect` once the server has been quiet for `idleMs` after serving requests. */
export class IdleCollector {
  private lastActivity = 0;
  /** Requests were served since the last collection. */
  private served = false;
  private timer: NodeJS.Timeout | null = null;
  /** Collections run so far. */
  collections = 0;

  constructor(
    private readonly idleMs: number,
    private readonly collect: () => Promise<void> | void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A request began or ended. */
  touch(): void {
    this.lastActivity = this.now();
    this.served = true;
    // One timer at a time: it re-arms itself for what remains of the quiet period.
    if (this.timer === null) this.arm(this.idleMs);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    // Never what keeps the process alive (e.g. at shutdown).
    this.timer.unref();
  }

  private check(): void {
    this.timer = null;
    const quiet = this.now() - this.lastActivity;
    if (quiet < this.idleMs) {
      this.arm(this.idleMs - quiet);
      return;
    }
    if (!this.served) return;
    this.served = false;
    this.collections += 1;
    // A failed collection changes nothing a client sees: the next quiet period tries again.
    Promise.resolve(this.collect()).catch(() => undefined);
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** `handler`, telling `collector` when each request begins and ends (no collector: `handler` itself). */
export function withIdleCollection(handler: Handler, collector: IdleCollector | null): Handler {
  if (!collector) return handler;
  return (req, res) => {
    collector.touch();
    res.once("close", () => collector.touch());
    handler(req, res);
  };
}
