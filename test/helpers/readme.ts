// What test/readme/readme.test.ts needs to run the README as a reader does:
// its shell blocks, in order, with the marks that say how the test treats a
// block; a fresh clone of the working tree to run them in; and shell processes
// (a block, or a server started by one) that the test can wait for and stop.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Running } from "./processes.js";

/**
 * How the test treats a block, from an HTML comment on the line before it:
 * `<!-- readme-test: server, embedded (the reason) -->`.
 * - `skip`: never run (only for blocks that install, or run every test).
 * - `server`: starts the long-running server; the test (re)starts it by running the block itself, without `npm ci`.
 * - `background`: runs until the next block has run (a stream), then must have printed an event; the test stops it.
 * - `embedded` / `postgres`: run only on that database (the reader follows that section only on it).
 */
export type Mark = "skip" | "server" | "background" | "embedded" | "postgres";
const MARKS = new Set<string>(["skip", "server", "background", "embedded", "postgres"]);

export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  marks: Set<Mark>;
  /** The mark's reason, in parentheses. */
  reason: string | null;
}

const DIRECTIVE = /^<!--\s*readme-test:\s*([^()]*?)\s*(?:\((.*)\))?\s*-->$/;
const SHELL_LANGUAGES = new Set(["sh", "bash", "shell"]);

/** The fenced sh/bash/shell blocks of a Markdown text, in order, with their marks (an unknown mark throws). */
export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split("\n");
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    // Closed by a line of at least as many of the same character, and nothing else.
    const closes = (line: string) => line.trim().length >= fence.length && line.trim() === fence[0].repeat(line.trim().length);
    let end = i + 1;
    while (end < lines.length && !closes(lines[end])) end += 1;
    if (SHELL_LANGUAGES.has(open[2])) {
      let before = i - 1;
      while (before >= 0 && !lines[before].trim()) before -= 1;
      const directive = before >= 0 ? DIRECTIVE.exec(lines[before].trim()) : null;
      const marks = new Set<Mark>();
      if (directive) {
        for (const word of directive[1].split(/[\s,]+/).filter(Boolean)) {
          if (!MARKS.has(word))
            throw new Error(`README line ${before + 1}: unknown readme-test mark "${word}" (known: ${[...MARKS].join(", ")}).`);
          marks.add(word as Mark);
        }
      }
      blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join("\n"), marks, reason: directive?.[2] ?? null });
    }
    i = end;
  }
  return blocks;
}

/**
 * A fresh clone of the working tree as `npm ci` leaves it, in a temporary folder: every file git
 * would commit (tracked, and new files not ignored: the work in progress of this tree), the
 * installed node_modules (linked) and the Prisma client `npm ci` generates. Nothing ignored comes
 * along: no .data/, no dist/, no examples/gql/.
 */
export function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), "readme-clone-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  for (const file of files) {
    // A tracked file deleted in the working tree is not part of the next commit.
    if (!existsSync(file)) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(file, join(dir, file));
  }
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"));
  cpSync("src/generated", join(dir, "src/generated"), { recursive: true });
  return dir;
}

/**
 * Runs `code` with bash in `cwd` as its own process group (so stop() reaches what it started:
 * npm, node, curl). `set -euo pipefail`: a failing command or an unset variable fails the block.
 */
export function spawnShell(code: string, cwd: string, env: NodeJS.ProcessEnv): Running & { stop(): Promise<void> } {
  const child = spawn("bash", ["-euo", "pipefail", "-c", code], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once("exit", (code, signal) => res({ code, signal })),
  );
  // The process group stays until its last member exits: wait for the pipes to close too.
  const closed = new Promise<void>((res) => child.once("close", () => res()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    /** SIGTERM to the group (the server drains and closes its database), SIGKILL if it has not ended in 20 s. */
    async stop() {
      if (alive()) signalGroup("SIGTERM");
      const force = setTimeout(() => signalGroup("SIGKILL"), 20_000);
      await exited;
      await closed;
      clearTimeout(force);
    },
  };
}

/**
 * The environment of a reader's shell: this process's, without what the test runner sets for
 * itself (NODE_ENV=test, TEST_DB, VITEST_*) or a database choice of its own, plus `extra`.
 */
export function readerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VITEST|TEST_DB$|TEST$|NODE_ENV$|NODE_OPTIONS$|DATABASE_URL$|DATA_DIR$|PORT$|HOST$|API_URL$|API_KEY$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
