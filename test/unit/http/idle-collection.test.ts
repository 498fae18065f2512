// The server gives back the memory of a burst once it is quiet (src/http/idle-collection.ts):
// one collection IDLE_COLLECT_MS after the last request began or ended, none while requests keep
// coming, none again until a request is served; and the collection it runs returns heap to the OS.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IdleCollector, lowMemoryCollection, withIdleCollection } from "../../../src/http/idle-collection.js";

describe("IdleCollector", () => {
  afterEach(() => vi.useRealTimers());

  it("collects once, idleMs after the last activity, and not again until a request is served", () => {
    vi.useFakeTimers();
    const collect = vi.fn();
    const collector = new IdleCollector(1000, collect);
    collector.touch();
    vi.advanceTimersByTime(600);
    collector.touch(); // still busy: the quiet period starts again
    vi.advanceTimersByTime(600);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(500);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(1);
    collector.touch();
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(2);
    expect(collector.collections).toBe(2);
  });

  it("keeps one timer however many requests come, and a failed collection changes nothing", () => {
    vi.useFakeTimers();
    const collector = new IdleCollector(100, () => Promise.reject(new Error("no inspector")));
    for (let n = 0; n < 1000; n += 1) collector.touch();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(collector.collections).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("withIdleCollection, through a real HTTP server", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("collects when no request began or ended for the quiet period; a long request or an open stream does not hold it off", async () => {
    let collections = 0;
    const collector = new IdleCollector(150, () => {
      collections += 1;
    });
    server = createServer(
      withIdleCollection((req, res) => {
        // /slow answers after 1 s, much longer than the quiet period.
        setTimeout(() => res.end("ok"), req.url === "/slow" ? 1000 : 0);
      }, collector),
    );
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const slow = fetch(`${url}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 700));
    expect(collections).toBe(1); // quiet since it began
    await slow; // its end is activity again
    await new Promise((r) => setTimeout(r, 80));
    expect(collections).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(collections).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(collections).toBe(2); // nothing served since
    for (let n = 0; n < 5; n += 1) await (await fetch(url)).text();
    await new Promise((r) => setTimeout(r, 700));
    expect(collections).toBe(3);
    collector.stop();
  });
});

describe("lowMemoryCollection", () => {
  it("returns the heap a burst grew to the OS", async () => {
    // Garbage that survives a few young collections, as a burst's does, then is dropped.
    let held: unknown[][] = [];
    for (let round = 0; round < 60; round += 1) {
      held.push(Array.from({ length: 20_000 }, (_, i) => ({ i, text: `item ${i} of ${round}` })));
      if (held.length > 10) held.shift();
    }
    held = [];
    const before = process.memoryUsage().heapTotal;
    await lowMemoryCollection()();
    const after = process.memoryUsage().heapTotal;
    expect(after).toBeLessThan(before * 0.7);
  });
});
