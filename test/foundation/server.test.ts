import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { get } from "node:http";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/build.js";
import { spawnNode, type Running, waitFor, STARTUP_MS } from "../helpers/processes.js";

function startServer(env: Record<string, string | undefined>): Running {
  // Development, as `npm start` runs without NODE_ENV: production issues no demo key and serves no GraphiQL
  // (test/foundation/production.test.ts).
  return spawnNode(BUNDLE, { NODE_ENV: "development", HOST: "127.0.0.1", PORT: "0", SEED_DEMO: "true", ...env });
}

const dataRoot = resolve(".data");
mkdirSync(dataRoot, { recursive: true });
const dir = mkdtempSync(join(dataRoot, "server-test-"));
// Built into this test's own folder (inside the project, so node_modules and prisma/ are found as from dist/).
const BUNDLE = join(dir, "server.mjs");
await bundle("src/server.ts", BUNDLE);
let server: Running;
let base: string;
let demoKey: string;

beforeAll(async () => {
  server = startServer({ DATA_DIR: join(dir, "pglite") });
  const started = await waitFor(
    "the demo key",
    () => {
      const port = /GraphQL API on http:\/\/localhost:(\d+)\/graphql/.exec(server.stdout())?.[1];
      const key = /Demo API key[^\n]*: (phx_\S+)/.exec(server.stdout())?.[1];
      return port && key ? { port, key } : null;
    },
    server,
  );
  base = `http://127.0.0.1:${started.port}`;
  demoKey = started.key;
}, STARTUP_MS + 10_000);

afterAll(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill("SIGKILL");
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function graphql(query: string, key = demoKey) {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
}

describe("the server process", () => {
  it("prints a demo key that answers the viewer's organizations over HTTP", async () => {
    expect(demoKey).toMatch(/^phx_[23456789A-HJ-NP-Za-km-z]{43}$/);
    expect(server.stdout()).toContain(`embedded database in ${join(dir, "pglite")}`);
    const res = await graphql(`{ viewer { organizations(first: 10) { nodes { name } } } }`);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.viewer.organizations.nodes).toEqual([{ name: "Hogflix" }]);
  });

  it("refuses a request without a valid key with 401", async () => {
    const res = await graphql(`{ viewer { user { email } } }`, "phx_nope");
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("answers /healthz and /readyz with 200", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toEqual({ status: "ok" });
    }
  });

  it("serves GraphiQL with no external host, its scripts and styles from itself", async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<title>PostHog projects GraphQL API</title>");
    expect(html.length).toBeLessThan(20_000); // the bundle is not inlined into every page
    expect(html).not.toMatch(/https?:\/\//); // no CDN, no external host at all

    const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
    const urls = tags.flatMap((tag) => [...tag.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]));
    expect(urls.length).toBeGreaterThanOrEqual(4); // icon, stylesheet, scripts
    const scripts: string[] = [];
    for (const url of urls) {
      expect(url, url).toMatch(/^\/[^/]/); // a path on this server (not protocol-relative)
      const asset = await fetch(base + url);
      expect(asset.status, url).toBe(200);
      expect(asset.headers.get("cache-control"), url).toMatch(/immutable/);
      const body = await asset.text();
      expect(body.length, url).toBeGreaterThan(0);
      if (url.endsWith(".css")) expect(asset.headers.get("content-type")).toMatch(/^text\/css/);
      if (url.endsWith(".js")) {
        expect(asset.headers.get("content-type")).toMatch(/^application\/javascript/);
        scripts.push(body);
      }
    }
    const allScripts = scripts.join("\n");
    expect(allScripts).toContain("renderYogaGraphiQL");
    // The editor's workers are files of this server too.
    const workers = [...allScripts.matchAll(/"(\/graphiql\/[\w.-]+\.worker\.[0-9a-f]+\.js)"/g)].map((m) => m[1]);
    expect(new Set(workers).size).toBe(3);
    for (const url of new Set(workers)) expect((await fetch(base + url)).status, url).toBe(200);

    // The options GraphiQL starts with: the default query and the Authorization header to fill in.
    const options = JSON.parse(/<script id="graphiql-options" type="application\/json">([^<]*)<\/script>/.exec(html)![1]);
    expect(options.defaultQuery).toContain("viewer");
    expect(options.headers).toContain("Authorization");
  });

  it("gzips GraphiQL's files for clients that accept it", async () => {
    const html = await (await fetch(`${base}/graphql`, { headers: { accept: "text/html" } })).text();
    const js = /<script src="(\/graphiql\/graphiql\.[0-9a-f]+\.js)"/.exec(html)![1];
    const headers = await new Promise<Record<string, string | string[] | undefined>>((res, rej) => {
      get(base + js, { headers: { "accept-encoding": "gzip" } }, (r) => {
        r.resume();
        r.on("end", () => res(r.headers));
      }).on("error", rej);
    });
    expect(headers["content-encoding"]).toBe("gzip");
    expect(Number(headers["content-length"])).toBeLessThan(3_000_000);
    expect((await fetch(`${base}/graphiql/nope.js`)).status).toBe(404);
  });

  it("finishes the request in flight on SIGTERM, refuses new connections, then exits 0", async () => {
    const body = JSON.stringify({ query: `{ viewer { organizations(first: 10) { nodes { name } } } }` });
    const port = Number(new URL(base).port);
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((res, rej) => socket.once("connect", res).once("error", rej));
    let response = "";
    socket.on("data", (d) => (response += d.toString()));
    const ended = new Promise<void>((res) => socket.once("close", () => res()));
    // Half a request: headers and part of the body; the server is now waiting on it.
    const half = Math.floor(body.length / 2);
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\naccept: application/json\r\n` +
        `authorization: Bearer ${demoKey}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
    );
    await new Promise((r) => setTimeout(r, 300));

    server.child.kill("SIGTERM");
    await waitFor(
      "the shutdown message",
      () => (/SIGTERM: finishing in-flight requests/.test(server.stdout()) ? true : null),
      server,
      10_000,
    );
    // No longer accepting...
    const refused = await new Promise<string>((res) => {
      const probe = connect(port, "127.0.0.1");
      probe.once("connect", () => {
        probe.destroy();
        res("connected");
      });
      probe.once("error", (e: NodeJS.ErrnoException) => res(e.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
    // ...but still serving the request in flight.
    expect(server.child.exitCode).toBeNull();

    socket.write(body.slice(half));
    await ended;
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toContain(`{"data":{"viewer":{"organizations":{"nodes":[{"name":"Hogflix"}]}}}`);

    // Promptly: the finished request's keep-alive connection is not waited on.
    const exit = await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe("a server that cannot start", () => {
  it("exits 1 with the reason, not a stack trace, on a bad configuration", async () => {
    const bad = startServer({ PORT: "not-a-port", DATA_DIR: join(dir, "unused") });
    const exit = await Promise.race([bad.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
    if (exit === null) bad.child.kill("SIGKILL");
    expect(exit).toEqual({ code: 1, signal: null });
    expect(bad.stderr()).toMatch(/Cannot start: Invalid configuration:\n\s+PORT: /);
    expect(bad.stderr()).not.toMatch(/^\s+at /m);
  }, 70_000);
});
