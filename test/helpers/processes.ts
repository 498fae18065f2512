// Real processes for the tests that run the server, the CLI or a script as
// users do (plain node on a bundle), and wait for what they print.
import { spawn, type ChildProcess } from "node:child_process";

/** How long a process may take to start: the first open of an embedded database runs initdb. */
export const STARTUP_MS = 90_000;

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `script` with this Node, its environment on top of this process's (a
 * value of undefined removes the variable). DATABASE_URL is always removed:
 * these processes use the embedded database.
 */
export function spawnNode(script: string, env: Record<string, string | undefined>, args: string[] = []): Running {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.DATABASE_URL;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [script, ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once("exit", (code, signal) => res({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `probe` until it answers non-null; fails with the process's output if it exits first or time runs out. */
export async function waitFor<T>(what: string, probe: () => T | null, running: Running, timeoutMs = STARTUP_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void running.exited.then(() => {
    exitedEarly = true;
  });
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (exitedEarly || Date.now() > deadline) {
      throw new Error(
        `Waited for ${what}; the process ${exitedEarly ? "exited" : "did not answer"}.\n` +
          `stdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
