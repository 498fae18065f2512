// The real server process for browser tests: `node --import tsx src/server.ts`
// on a fresh embedded database under .data/, listening on 127.0.0.1 on a free
// port, with the demo data seeded and the demo key it prints parsed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

export interface RealServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  demoKey: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM (SIGKILL after 10 s), then removes the data directory. */
  stop: () => Promise<void>;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export async function startRealServer(timeoutMs = 90_000): Promise<RealServer> {
  const dataRoot = resolve(".data");
  mkdirSync(dataRoot, { recursive: true });
  const dir = mkdtempSync(join(dataRoot, "browser-test-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Development: the demo key is printed and GraphiQL served (production mode has neither).
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    PORT: "0", // a free port, chosen by the kernel; the server prints it
    SEED_DEMO: "true",
    DATA_DIR: join(dir, "pglite"),
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((res) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      res(exit);
    }),
  );

  const stop = async () => {
    if (exit === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const port = /GraphQL API on http:\/\/localhost:(\d+)\/graphql/.exec(out)?.[1];
    const demoKey = /Demo API key[^\n]*: (phx_\S+)/.exec(out)?.[1];
    if (port && demoKey) {
      return { base: `http://127.0.0.1:${port}`, demoKey, child, stdout: () => out, stderr: () => err, stop };
    }
    if (exit !== null || Date.now() > deadline) {
      const why = exit !== null ? `exited (${JSON.stringify(exit)})` : `printed no port and demo key in ${timeoutMs} ms`;
      await stop();
      throw new Error(`The server ${why}.\nstdout:\n${out}\nstderr:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
