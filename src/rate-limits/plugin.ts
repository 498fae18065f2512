// Rate limits on the request path (GitHub's model; rules in service.ts, state
// in store.ts):
// - authentication (yoga's context): an address over the failed-authentication
//   limit is answered 429 RATE_LIMITED without its key being looked up; each
//   failure (a malformed, unknown or revoked key) is counted.
// - execution (onExecute / onSubscribe, after every other check, so a request
//   refused for another reason costs nothing): the request's cost, computed
//   during validation (src/limits.ts), is charged to the key's budget (keyless
//   introspection: the client address's) before any resolver runs; over the
//   remaining budget the request is refused whole, 429 with Retry-After.
//   Successful results carry the figures in `extensions.rateLimit`, the same
//   that Query.rateLimit reads.
// - the response: RateLimit-Limit, -Remaining, -Reset (seconds) and -Policy on
//   every GraphQL response. A request refused before it ran (parse,
//   validation, a limit) was charged nothing, and looks nothing up (no
//   statement, README "Limits and cost"): its headers tell the figures this
//   process last learned of its key's budget (found by the hash of its
//   Authorization value: a key this process has not seen gets none), or of
//   the address's without a key.
//   A failed authentication's response shows the address's failure budget.
// WebSocket operations run through the same hooks (src/http/websocket.ts runs
// them through yoga), so they are charged and refused alike; they have no
// headers, only `extensions`.
import type { IncomingMessage } from "node:http";
import { GraphQLError } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { Principal } from "../auth/principal.js";
import type { Context } from "../context.js";
import type { Database } from "../db/client.js";
import { sha256Hex } from "../auth/tokens.js";
import { ErrorCode } from "../errors.js";
import { requestCost } from "../limits.js";
import {
  addressBucket,
  keyBucket,
  RateLimiter,
  remember,
  rememberFigures,
  secondsUntil,
  type ChargeResult,
  type Figures,
  type RateLimitOptions,
} from "./service.js";
import { storeFor } from "./store.js";

/** The address of requests that have no socket (`yoga.fetch` in tests, or a server adapter that gives none): one shared bucket. */
export const UNKNOWN_ADDRESS = "unknown";

export const RATE_LIMIT_HEADERS = ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"] as const;

/**
 * The client address a server context names (node's socket: the peer of the
 * TCP connection, so behind a reverse proxy, the proxy), as a bucket name:
 * IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64 (one host usually holds a
 * whole /64, so single IPv6 addresses would cost an attacker nothing).
 */
export function clientAddress(serverContext: unknown): string {
  const req = (serverContext as { req?: IncomingMessage } | null)?.req;
  const raw = req?.socket?.remoteAddress;
  return raw ? normalizeAddress(raw) : UNKNOWN_ADDRESS;
}

export function normalizeAddress(raw: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(raw);
  if (mapped) return mapped[1];
  if (!raw.includes(":")) return raw;
  const plain = raw.split("%")[0].toLowerCase();
  const [head, tail] = plain.includes("::") ? plain.split("::") : [plain, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  // An embedded IPv4 (::1.2.3.4) fills two groups.
  const tailWidth = tailGroups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array(Math.max(0, 8 - headGroups.length - tailWidth)).fill("0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(":")}::/64`;
}

/** Whether the request presents a key (principalFor's rule: no header, or GraphiQL's bare `Bearer `, presents none). */
function presentsKey(request: Request): boolean {
  const header = request.headers.get("authorization");
  return header !== null && !/^\s*Bearer\s*$/i.test(header);
}

/** The hash of what the Authorization header presents (the whole value: no parsing, the same value hashes the same). */
const credentialOf = (request: Request) => sha256Hex(request.headers.get("authorization") ?? "");

const isUnauthenticated = (error: unknown) =>
  error instanceof Error && error.name === "GraphQLError" && (error as GraphQLError).extensions?.code === ErrorCode.UNAUTHENTICATED;

/** The figures as Query.rateLimit and `extensions.rateLimit` show them. */
export function figuresJson(f: Figures) {
  return { limit: f.limit, cost: f.cost, remaining: f.remaining, resetAt: f.resetAt.toISOString(), used: f.used };
}

export interface RateLimits {
  limiter: RateLimiter;
  /**
   * yoga's context step: `principalFor`, refused (429) for an address over the
   * failed-authentication limit, and counting each failure.
   */
  authenticate(initial: { request: Request }): Promise<Principal | null>;
  /** Charges, refuses and reports: add after every plugin that may refuse a request. */
  plugin: Plugin<Context>;
}

export interface RateLimitsOptions extends RateLimitOptions {
  db: Pick<Database, "kind" | "exec">;
  /** Resolves the request's key (src/http/auth.ts principalFor): null without one, UNAUTHENTICATED when bad. */
  principalFor(request: Request): Promise<Principal | null>;
  /** The GraphQL path: responses of other paths (health) get no headers. */
  endpoint: string;
}

export function createRateLimits(options: RateLimitsOptions): RateLimits {
  const limiter = new RateLimiter(storeFor(options.db), options);
  /** The figures a request's response reports, once known. */
  const byRequest = new WeakMap<Request, Figures>();
  /** The principal a request authenticated as. */
  const principals = new WeakMap<Request, Principal | null>();
  /**
   * Key ids by the hash of the Authorization value that authenticated as them, in this process (bounded; the oldest
   * go first): the headers of a request refused before authentication find its key's figures without a lookup.
   */
  const keyIds = new Map<string, string>();

  function tooManyFailures(request: Request, failures: Figures): GraphQLError {
    byRequest.set(request, failures);
    const seconds = secondsUntil(failures.resetAt, limiter.now());
    return new GraphQLError(
      `Too many failed authentications from this address: retry after ${seconds} seconds (at ${failures.resetAt.toISOString()}).`,
      { extensions: { code: ErrorCode.RATE_LIMITED, http: { status: 429, headers: { "Retry-After": String(seconds) } } } },
    );
  }

  async function authenticate(initial: { request: Request }): Promise<Principal | null> {
    const { request } = initial;
    if (!presentsKey(request)) return options.principalFor(request);
    const address = clientAddress(initial);
    const blocked = limiter.blockedAddress(address);
    if (blocked) throw tooManyFailures(request, blocked);
    try {
      const principal = await options.principalFor(request);
      principals.set(request, principal);
      if (principal) remember(keyIds, credentialOf(request), principal.key.id);
      return principal;
    } catch (error) {
      // Faults (the database is down) are not failed authentications.
      if (!isUnauthenticated(error)) throw error;
      const failure = await limiter.authFailure(address);
      byRequest.set(request, failure);
      // Over the limit already (learned from another process's failures): refused as if this process had known.
      if (!failure.accepted) throw tooManyFailures(request, failure);
      throw error;
    }
  }

  /** The refusal of a charge that did not fit: 429, or 400 when the request costs more than a whole window's budget. */
  function refusal(charge: ChargeResult, keyless: boolean) {
    const whose = keyless ? "this address's (requests without a key)" : "the key's";
    if (charge.cost > charge.limit) {
      return {
        errors: [
          new GraphQLError(
            `This request would cost ${charge.cost} points, more than ${whose} whole budget of ${charge.limit} per ` +
              `${charge.windowSeconds} seconds. Ask for fewer items (lower \`first\`/\`last\`) or split the request.`,
            {
              extensions: {
                code: ErrorCode.QUERY_TOO_COMPLEX,
                cost: { requested: charge.cost, limit: charge.limit },
                http: { status: 400 },
              },
            },
          ),
        ],
        extensions: { rateLimit: figuresJson(charge) },
      };
    }
    const seconds = secondsUntil(charge.resetAt, limiter.now());
    return {
      errors: [
        new GraphQLError(
          `Rate limit exceeded: this request costs ${charge.cost} points and ${charge.remaining} of ${whose} ${charge.limit} ` +
            `remain until ${charge.resetAt.toISOString()}. Retry after ${seconds} seconds.`,
          {
            extensions: {
              code: ErrorCode.RATE_LIMITED,
              rateLimit: figuresJson(charge),
              http: { status: 429, headers: { "Retry-After": String(seconds) } },
            },
          },
        ),
      ],
      extensions: { rateLimit: figuresJson(charge) },
    };
  }

  /** Charges an operation about to run; the refusal to answer instead, or null when it may run. */
  async function charge(context: Context & { request?: Request }) {
    const cost = requestCost(context);
    // No cost: the variables are bad, and execution refuses the request before anything runs.
    if (cost === undefined) return { figures: null, refused: null };
    const keyless = context.principal === null;
    const bucket = keyless ? addressBucket(clientAddress(context)) : keyBucket(context.principal!.key.id);
    const result = await limiter.charge(bucket, cost);
    if (context.request) byRequest.set(context.request, result);
    if (!result.accepted) return { figures: null, refused: refusal(result, keyless) };
    rememberFigures(context, result);
    return { figures: result, refused: null };
  }

  /** The figures of a request that was charged nothing (refused before it ran): what this process knows, no statement. */
  function figuresOf(request: Request, serverContext: object): Figures | null {
    const known = byRequest.get(request);
    if (known) return known;
    if (!presentsKey(request)) {
      const bucket = addressBucket(clientAddress(serverContext));
      return limiter.lastKnown(bucket) ?? limiter.whole();
    }
    // Authenticated in this request (then refused by another check), or earlier in this process with the same key.
    const principal = principals.get(request);
    if (principal) return limiter.lastKnown(keyBucket(principal.key.id)) ?? limiter.whole();
    const keyId = keyIds.get(credentialOf(request));
    return keyId === undefined ? null : (limiter.lastKnown(keyBucket(keyId)) ?? limiter.whole());
  }

  const plugin: Plugin<Context> = {
    async onExecute({ args, setResultAndStopExecution }) {
      const { figures, refused } = await charge(args.contextValue);
      if (refused) {
        setResultAndStopExecution(refused);
        return;
      }
      if (!figures) return;
      return {
        onExecuteDone({ result, setResult }) {
          const rateLimit = figuresJson(figures);
          if (!isAsyncIterable(result)) {
            setResult({ ...result, extensions: { ...result.extensions, rateLimit } });
            return;
          }
          // Incremental delivery (@defer/@stream): the initial payload carries the figures (the whole operation was charged).
          let first = true;
          return {
            onNext({ result: payload, setResult: setPayload }) {
              if (first) setPayload({ ...payload, extensions: { ...payload.extensions, rateLimit } });
              first = false;
            },
          };
        },
      };
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      // Without a key a subscription is refused by its field (it needs the caller): nothing to charge.
      if (args.contextValue.principal === null) return;
      const { refused } = await charge(args.contextValue);
      if (refused) setResultAndStopExecution(refused);
    },
    onResponse({ request, response, serverContext, setResponse, fetchAPI }) {
      if (request.method !== "POST" && request.method !== "GET") return;
      if (new URL(request.url).pathname !== options.endpoint) return;
      // GraphiQL's page is not an API response.
      if (response.headers.get("content-type")?.startsWith("text/html")) return;
      const figures = figuresOf(request, serverContext ?? {});
      if (!figures) return;
      const headers = {
        "ratelimit-limit": String(figures.limit),
        "ratelimit-remaining": String(figures.remaining),
        "ratelimit-reset": String(secondsUntil(figures.resetAt, limiter.now())),
        "ratelimit-policy": `${figures.limit};w=${figures.windowSeconds}`,
      };
      // A cross-origin page allowed by CORS may read them too (src/http/cors.ts exposes them).
      const apply = (target: Headers) => {
        for (const [name, value] of Object.entries(headers)) target.set(name, value);
      };
      try {
        apply(response.headers);
      } catch {
        // Immutable headers: answer a copy.
        const copy = new fetchAPI.Headers(response.headers);
        apply(copy);
        setResponse(new fetchAPI.Response(response.body, { status: response.status, statusText: response.statusText, headers: copy }));
      }
    },
  };

  return { limiter, authenticate, plugin };
}
