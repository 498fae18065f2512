// Runs the operator CLI's entry point in this process against a test file's
// database, capturing what it prints.
import { vi } from "vitest";
import { runCli } from "../../src/cli/index.js";
import type { Database } from "../../src/db/client.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A `cli(...argv)` bound to `db`: runs one command and answers its exit code and what it printed. */
export function cliOn(db: Database): (...argv: string[]) => Promise<CliRun> {
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
    try {
      const code = await runCli(argv, { database: db });
      return { code, stdout: out.join("\n"), stderr: err.join("\n") };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  };
}
