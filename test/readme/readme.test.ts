// The README runs as written: its shell blocks, in order, in a fresh clone of
// this working tree, on a fresh database (the embedded one in the clone's own
// .data/, or an empty PostgreSQL database on the test server), as a reader
// would type them in a second terminal. Every block must exit 0; a block that
// calls curl must print a GraphQL answer without errors.
//
// The rules the README's marks (`<!-- readme-test: ... -->`) and prose set:
// - `skip` blocks (installing, running every test) are not run; `server` blocks
//   (re)start the long-running server, which the test runs itself, minus `npm ci`
//   (the clone has the installed node_modules), on a port of its own (PORT=0);
//   `embedded` / `postgres` blocks run on that database only; a `background`
//   block (a stream) runs until the next block has run, and must have printed an event.
// - On the embedded database the CLI, `npm run seed` and `npm run db:migrate` need
//   the server stopped (README "One process per embedded database"): the test
//   stops it before such a block, as the reader is told to; the next `server`
//   block starts it again.
// - The variables the README asks the reader to export are set from what the
//   test saw printed: API_URL (the address the server prints), API_KEY (the last
//   demo key printed, by the server or by `npm run seed`), DATABASE_URL (PostgreSQL).
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ErrorCode } from "../../src/errors.js";
import { PersistedErrorCode } from "../../src/persisted.js";
import { STARTUP_MS, waitFor } from "../helpers/processes.js";
import { freshClone, readerEnv, type ShellBlock, shellBlocks, spawnShell } from "../helpers/readme.js";

const README = readFileSync("README.md", "utf8");
const BLOCKS = shellBlocks(README);
const ON_POSTGRES = process.env.TEST_DB === "postgres";
const DATABASE = ON_POSTGRES ? "postgres" : "embedded";

/** The variables the test sets for the reader's shell; the README must tell the reader to export each. */
const PROVIDED = ["API_URL", "API_KEY", "DATABASE_URL"];
/**
 * A guard against a block that hangs, not a time limit: the CLI block runs a dozen commands,
 * each opening the database, on a shared machine.
 */
const BLOCK_MS = 600_000;

const title = (block: ShellBlock) => `line ${block.line}: ${block.code.split("\n")[0]}`;
const usesEmbeddedDatabase = (code: string) => /\bnpm run (-s )?(cli|seed|db:migrate)\b/.test(code);
const callsApi = (code: string) => /\bcurl\b/.test(code);

describe("the README's marks and placeholders", () => {
  it("skips only blocks that install or run every test, and runs the server only where a block starts it", () => {
    expect(BLOCKS.length).toBeGreaterThan(5);
    for (const block of BLOCKS) {
      const startsServer = /\bnpm (start|run dev)\b/.test(block.code);
      const installs = /\bnpm (ci|install)\b/.test(block.code);
      if (block.marks.has("skip")) expect(installs || startsServer, `${title(block)} is skipped`).toBe(true);
      if (block.marks.has("server")) expect(startsServer, `${title(block)} is marked server`).toBe(true);
      // Unmarked, the test would wait for a server that never exits, or install over the tree.
      if (startsServer || installs) expect(block.marks.has("skip") || block.marks.has("server"), title(block)).toBe(true);
    }
  });

  it("calls the API with curl -fsS, so an HTTP error fails the block", () => {
    for (const block of BLOCKS) {
      for (const call of block.code.match(/\bcurl\b[^\n]*/g) ?? []) expect(call, title(block)).toMatch(/^curl -fsSN? /);
    }
  });

  it("uses no variable that neither its block sets nor the README tells the reader to export", () => {
    for (const block of BLOCKS) {
      const assigned = new Set([...block.code.matchAll(/\b([A-Za-z_]\w*)=/g)].map((m) => m[1]));
      for (const [, name] of block.code.matchAll(/\$\{?([A-Za-z_]\w*)/g)) {
        if (assigned.has(name)) continue;
        expect(PROVIDED, `${title(block)} uses $${name}`).toContain(name);
        expect(README, `the README tells the reader to export ${name}`).toMatch(new RegExp(`export [^\\n\`]*\\b${name}=`));
      }
    }
  });
});

describe("the README's Errors section", () => {
  const section = /\n## Errors\n([\s\S]*?)\n## /.exec(README)?.[1] ?? "";
  /** The table rows of the section: code → the row's cells. */
  const rows = new Map(
    [...section.matchAll(/^\| `([A-Z_]+)` \|(.*)\|\s*$/gm)].map((m) => [m[1], m[2].split("|").map((cell) => cell.trim())]),
  );

  it.each([...new Set<string>([...Object.values(ErrorCode), ...Object.values(PersistedErrorCode), "RATE_LIMITED"])])(
    "lists %s with when it is answered and its HTTP status",
    (code) => {
      const cells = rows.get(code);
      expect(cells, `a row for ${code}`).toBeDefined();
      expect(cells!.length).toBe(2);
      expect(cells![0].length, "when").toBeGreaterThan(10);
      expect(cells![1], "HTTP status").toMatch(/\b[1-5]\d\d\b/);
    },
  );

  it("answers 413 for a body over the limit and 429 with Retry-After for a spent budget", () => {
    expect(rows.get("PAYLOAD_TOO_LARGE")![1]).toMatch(/\b413\b/);
    expect(rows.get("RATE_LIMITED")![1]).toMatch(/\b429\b/);
    expect(rows.get("RATE_LIMITED")!.join(" ")).toMatch(/Retry-After/);
  });

  it("names every userError code", () => {
    const schema = readFileSync("schema.graphql", "utf8");
    const values = [.../enum UserErrorCode \{([^}]*)\}/.exec(schema)![1].matchAll(/^\s+([A-Z_]+)$/gm)].map((m) => m[1]);
    expect(values.length).toBeGreaterThan(3);
    for (const value of values) expect(section).toContain(`\`${value}\``);
  });
});

describe(`the README, run as written on the ${DATABASE} database`, () => {
  let clone = "";
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let server: ReturnType<typeof spawnShell> | null = null;
  let stream: { block: ShellBlock; shell: ReturnType<typeof spawnShell> } | null = null;
  const seen: { API_URL?: string; API_KEY?: string } = {};

  beforeAll(async () => {
    clone = freshClone();
    if (ON_POSTGRES) {
      // An empty database (not the migrated template): the README's own commands create the tables.
      const serverUrl = inject("postgresUrl");
      const name = `readme_${randomBytes(6).toString("hex")}`;
      const pg = (await import("pg")).default;
      const admin = async (sql: string) => {
        const client = new pg.Client({ connectionString: serverUrl });
        await client.connect();
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
      };
      await admin(`CREATE DATABASE ${name}`);
      databaseUrl = serverUrl.replace(/\/[^/]*$/, `/${name}`);
      dropDatabase = () => admin(`DROP DATABASE ${name} WITH (FORCE)`);
    }
  });

  afterAll(async () => {
    await stream?.shell.stop();
    await server?.stop();
    await dropDatabase?.();
    if (clone) rmSync(clone, { recursive: true, force: true });
  }, 60_000);

  const env = () =>
    readerEnv({
      // The test's own port and interface: the reader's 4000 may be taken on this machine.
      PORT: "0",
      HOST: "127.0.0.1",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(seen.API_URL ? { API_URL: seen.API_URL } : {}),
      ...(seen.API_KEY ? { API_KEY: seen.API_KEY } : {}),
    });

  /** Keeps the last demo key printed (the server's at start on the embedded database, `npm run seed`'s). */
  const notice = (output: string) => {
    const keys = [...output.matchAll(/Demo API key[^\n]*: (phx_\S+)/g)];
    if (keys.length) seen.API_KEY = keys[keys.length - 1][1];
  };

  async function stopServer() {
    if (!server) return;
    await server.stop();
    notice(server.stdout());
    server = null;
  }

  async function startServer(block: ShellBlock) {
    await stopServer();
    const running = spawnShell(block.code.replace(/\bnpm ci\s*&&\s*/g, ""), clone, env());
    server = running;
    seen.API_URL = await waitFor(
      "the server's address (and, on the embedded database, its demo key)",
      () => {
        const url = /GraphQL API on (http:\/\/localhost:\d+\/graphql)/.exec(running.stdout())?.[1];
        return url && (ON_POSTGRES || /Demo API key[^\n]*: phx_\S+/.test(running.stdout())) ? url : null;
      },
      running,
      STARTUP_MS * 2,
    );
    notice(running.stdout());
  }

  /** A stream started by the previous block must have printed an event by now; then it is stopped. */
  async function endStream() {
    if (!stream) return;
    const { block, shell } = stream;
    stream = null;
    try {
      await waitFor(
        `an event of the stream of ${title(block)}`,
        () => (/^event: next$/m.test(shell.stdout()) ? true : null),
        shell,
        60_000,
      );
    } finally {
      await shell.stop();
    }
    for (const [, data] of shell.stdout().matchAll(/^data: (.*)$/gm)) {
      if (!data.trim()) continue; // `complete` carries no result
      const result = JSON.parse(data) as { data?: unknown; errors?: unknown };
      expect(result.errors, `${title(block)} printed ${data}`).toBeUndefined();
    }
  }

  for (const block of BLOCKS) {
    if (block.marks.has("skip")) continue;
    // The section of the other database: its reader does not follow it.
    if (block.marks.has(ON_POSTGRES ? "embedded" : "postgres")) continue;

    it(
      title(block),
      async () => {
        if (block.marks.has("server")) {
          await startServer(block);
          await endStream();
          return;
        }
        if (!ON_POSTGRES && usesEmbeddedDatabase(block.code)) await stopServer();
        if (callsApi(block.code)) expect(server, "a block calling the API runs after a block that starts the server").not.toBeNull();

        const shell = spawnShell(block.code, clone, env());
        if (block.marks.has("background")) {
          // Open once it printed something (curl -N prints the server's first keep-alive at once).
          await waitFor(`the stream of ${title(block)} to open`, () => (shell.stdout() ? true : null), shell, 60_000);
          stream = { block, shell };
          return;
        }
        const timer = setTimeout(() => void shell.stop(), BLOCK_MS);
        const { code } = await shell.exited;
        clearTimeout(timer);
        // The server's log tells why a request failed (a fault is logged there, never sent).
        const serverLog = server
          ? `\n--- the server's stdout (its end):\n${server.stdout().slice(-3000)}\n--- its stderr:\n${server.stderr().slice(-3000)}`
          : "";
        const output = `${block.code}\n--- stdout:\n${shell.stdout()}\n--- stderr:\n${shell.stderr()}${serverLog}`;
        expect(code, output).toBe(0);
        notice(shell.stdout());
        if (callsApi(block.code)) {
          expect(shell.stdout(), output).toMatch(/"data"\s*:/);
          expect(shell.stdout(), output).not.toMatch(/"errors"\s*:/);
        }
        await endStream();
      },
      BLOCK_MS + STARTUP_MS * 2,
    );
  }

  it("leaves no stream open at the end", async () => {
    await endStream();
    expect(stream).toBeNull();
  });
});
