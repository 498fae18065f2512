// Node's HTTP server limits: slow senders are dropped within seconds (Node's
// defaults wait 60 s for headers and 5 minutes for a request), and idle
// keep-alive connections are closed soon.
import type { Server } from "node:http";
import type { Config } from "../config.js";

/** How often Node looks for connections past their timeouts (its default, 30 s, would let a slow sender stay that much longer). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

export type ServerLimits = Pick<Config, "HEADERS_TIMEOUT_MS" | "REQUEST_TIMEOUT_MS" | "KEEP_ALIVE_TIMEOUT_MS">;

/**
 * Applies the configured timeouts to a `node:http` server. Call it before
 * `listen()`: Node starts its timeout checks, at the interval set here, when
 * the server starts listening. A client that has not sent its headers within
 * HEADERS_TIMEOUT_MS, or its whole request within REQUEST_TIMEOUT_MS, gets
 * 408 and its connection is closed. Responses are not limited: a subscription
 * stream lasts as long as its client stays.
 */
export function applyServerLimits(server: Server, config: ServerLimits): void {
  // Node wants headersTimeout <= requestTimeout.
  server.requestTimeout = config.REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS);
  server.keepAliveTimeout = config.KEEP_ALIVE_TIMEOUT_MS;
  // Not in @types/node's Server, but read by Node when listening starts (lib/_http_server.js, setupConnectionsTracking).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    CONNECTIONS_CHECKING_INTERVAL_MS,
    server.headersTimeout,
  );
}
