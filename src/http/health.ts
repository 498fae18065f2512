// Health endpoints for orchestrators: liveness and readiness.
import type { Plugin } from "graphql-yoga";
import type { Database } from "../db/client.js";
import { isDatabaseUnreachable, shortErrorMessage } from "../db/errors.js";

/** How long readiness waits for the database: a server that does not answer is not ready. */
export const READY_TIMEOUT_MS = 2_000;

export type Readiness = { status: "ok" } | { status: "unavailable"; reason: string };

/** Asks the database for `SELECT 1`; says why not when it cannot answer. */
export async function readiness(db: Database, timeoutMs = READY_TIMEOUT_MS): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const answer = await Promise.race([db.exec.query("SELECT 1").then(() => "ok" as const), timeout]);
    if (answer === "timeout") return { status: "unavailable", reason: `database did not answer within ${timeoutMs} ms` };
    return { status: "ok" };
  } catch (error) {
    const kind = isDatabaseUnreachable(error) ? "database unreachable" : "database error";
    return { status: "unavailable", reason: `${kind}: ${shortErrorMessage(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process answers (never the database: a restart would not
 * bring it back). `/readyz`: the database answers too; else 503 with the
 * reason, e.g. {"status":"unavailable","reason":"database unreachable: connect ECONNREFUSED 127.0.0.1:5432"}.
 */
export function healthPlugin(db: Database, options: { retryAfterSeconds: number }): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === "/healthz") {
        endResponse(new fetchAPI.Response(JSON.stringify({ status: "ok" }), { headers: { "content-type": "application/json" } }));
      } else if (url.pathname === "/readyz") {
        const ready = await readiness(db);
        endResponse(
          new fetchAPI.Response(JSON.stringify(ready), {
            status: ready.status === "ok" ? 200 : 503,
            headers: {
              "content-type": "application/json",
              "cache-control": "no-store",
              ...(ready.status === "ok" ? {} : { "retry-after": String(options.retryAfterSeconds) }),
            },
          }),
        );
      }
    },
  };
}
