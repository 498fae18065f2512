// Which web pages may call the API from another origin (CORS_ORIGINS). Keys
// travel in the Authorization header (or a WebSocket's connectionParams),
// never in cookies, so a page gets nothing it could not ask for itself: the
// list is about who may build a browser client on this API, and production
// starts with nobody (same-origin pages, e.g. GraphiQL, need no CORS).
import type { CorsOrigins } from "../config.js";
import { REQUEST_ID_HEADER } from "./request-id.js";
import { RATE_LIMIT_HEADERS } from "../rate-limits/plugin.js";

/** Response headers a cross-origin page may read: the request id (to quote it), Retry-After and the RateLimit-* figures. */
const EXPOSED_HEADERS = [REQUEST_ID_HEADER, "retry-after", ...RATE_LIMIT_HEADERS];

export function originAllowed(allowed: CorsOrigins, origin: string): boolean {
  return allowed === "*" || allowed.includes(origin);
}

/**
 * yoga's `cors` option: the allowed origin is echoed (with `Vary: Origin`),
 * any other gets no CORS header at all, so the browser keeps the response
 * from the page. A preflight (OPTIONS) is answered 204 either way.
 */
export function corsPolicy(allowed: CorsOrigins) {
  return (request: Request) => {
    const origin = request.headers.get("origin");
    if (origin === null || !originAllowed(allowed, origin)) return false as const;
    // ["*"] makes yoga echo the request's Origin and add Vary: Origin; it was checked just above.
    return { origin: ["*"], credentials: false, exposedHeaders: EXPOSED_HEADERS };
  };
}

/**
 * The same rule for a WebSocket upgrade, which browsers do not subject to
 * CORS: allowed when there is no Origin (not a browser), when the page is
 * this server's own (its host is the Host the request was sent to), or when
 * the origin is allowed.
 */
export function upgradeOriginAllowed(allowed: CorsOrigins, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (originAllowed(allowed, origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
