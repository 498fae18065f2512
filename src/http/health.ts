// Health endpoints for orchestrators: liveness and readiness.
import type { Plugin } from "graphql-yoga";
import type { Database } from "../db/client.js";

/** `/healthz`: the process answers. `/readyz`: the database answers too. */
export function healthPlugin(db: Database): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === "/healthz") {
        endResponse(new fetchAPI.Response(JSON.stringify({ status: "ok" }), { headers: { "content-type": "application/json" } }));
      } else if (url.pathname === "/readyz") {
        const ready = await db.ping();
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: ready ? "ok" : "unavailable" }), {
            status: ready ? 200 : 503,
            headers: { "content-type": "application/json" },
          }),
        );
      }
    },
  };
}
