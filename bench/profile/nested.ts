// Profiles scenario 2 (the nested read) in-process: a PostgreSQL server on
// loopback, the bench dataset, and N sequential requests through yoga.fetch.
// Run: npx tsx bench/profile/nested.ts; then node bench/profile/summarize.mjs bench/.work/nested.cpuprofile
import { startPostgresServer } from "../../test/helpers/postgres-server.js";
import { openDatabase } from "../../src/db/client.js";
import { applyMigrations } from "../../src/db/migrate.js";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { BENCH_API_KEY, seedBench } from "../seed.js";

export const NESTED_QUERY = `{ viewer { organizations(first: 10) { nodes { name projects(first: 10) { nodes { name
  environments(first: 2) { nodes { name annotations(first: 5) { nodes { content dateMarker createdBy { email } } } } } } } } } } }`;

const requests = Number(process.env.PROFILE_REQUESTS ?? 200);
const server = await startPostgresServer("profile");
try {
  const pg = (await import("pg")).default;
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  await admin.query("CREATE DATABASE bench");
  await admin.end();
  const db = await openDatabase({ kind: "postgres", url: server.url("bench") });
  await applyMigrations(db.exec);
  await seedBench(db.exec);
  const app = createApp(db, loadConfig({ ...process.env, NODE_ENV: "production", SEED_DEMO: "false", RATE_LIMIT_POINTS: "1000000000" }));
  const run = async () => {
    const res = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${BENCH_API_KEY}` },
      body: JSON.stringify({ query: NESTED_QUERY }),
    });
    const text = await res.text();
    if (res.status !== 200 || text.includes('"errors"')) throw new Error(text.slice(0, 500));
    return text.length;
  };
  // PROFILE_SQL=1: wall time of each statement sent through db.sql (by its FROM clause).
  const sqlTimes = new Map<string, number>();
  if (process.env.PROFILE_SQL === "1") {
    const sql = db.sql.bind(db);
    db.sql = async (query) => {
      const t0 = performance.now();
      try {
        return await sql(query);
      } finally {
        const key = /FROM ("\w+" t[^L]*)/.exec(query.text)?.[1]?.slice(0, 60) ?? query.text.slice(0, 60);
        sqlTimes.set(key, (sqlTimes.get(key) ?? 0) + performance.now() - t0);
      }
    };
  }
  for (let i = 0; i < 20; i += 1) await run();
  db.counter.reset();
  // Profile only the measured requests (not start-up and seeding).
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  // PROFILE_HEAP=1 samples allocations instead of CPU (where the garbage comes from);
  // PROFILE=off only times the requests (no profiler overhead).
  const heap = process.env.PROFILE_HEAP === "1";
  const off = process.env.PROFILE === "off";
  if (off) {
    // timing only
  } else if (heap)
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  else {
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < requests; i += 1) bytes += await run();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync("bench/.work", { recursive: true });
  if (!off) {
    const { profile } = heap ? await session.post("HeapProfiler.stopSampling") : await session.post("Profiler.stop");
    writeFileSync(heap ? "bench/.work/nested.heapprofile" : "bench/.work/nested.cpuprofile", JSON.stringify(profile));
  }
  console.log(
    `${requests} requests: ${(ms / requests).toFixed(1)} ms each (${((cpu.user + cpu.system) / 1000 / requests).toFixed(1)} ms CPU), ` +
      `${(bytes / requests / 1024).toFixed(0)} KB, ${(db.counter.count / requests).toFixed(1)} SQL each`,
  );
  const mem = process.memoryUsage();
  console.log(
    `memory after: rss ${(mem.rss / 1048576).toFixed(0)} MB, ` +
      `heap ${(mem.heapUsed / 1048576).toFixed(0)}/${(mem.heapTotal / 1048576).toFixed(0)} MB, ` +
      `external ${(mem.external / 1048576).toFixed(0)} MB, array buffers ${(mem.arrayBuffers / 1048576).toFixed(0)} MB`,
  );
  for (const [key, total] of sqlTimes) console.log(`${(total / (requests + 20)).toFixed(2)} ms/request  ${key}`);
  await db.close();
} finally {
  await server.stop();
}
