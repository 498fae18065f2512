// Top-level GraphQL errors. Every error a client can receive carries
// `extensions.code`; these are the ones the API raises on purpose. (Business
// rule failures of mutations are not errors but `userErrors` in the payload.)
import { GraphQLError } from "graphql";

export const ErrorCode = {
  /** No API key, or a key that is malformed, unknown or revoked. HTTP 401. */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** The key lacks the scope, or the user lacks the membership level. */
  FORBIDDEN: "FORBIDDEN",
  /** The id does not exist, or names something the caller may not see. */
  NOT_FOUND: "NOT_FOUND",
  /** An argument or variable has a valid type but an unacceptable value. */
  BAD_USER_INPUT: "BAD_USER_INPUT",
  /** The document does not parse. */
  GRAPHQL_PARSE_FAILED: "GRAPHQL_PARSE_FAILED",
  /** The document does not validate against the schema. */
  GRAPHQL_VALIDATION_FAILED: "GRAPHQL_VALIDATION_FAILED",
  /** The HTTP request itself is malformed (body, method, content type). */
  BAD_REQUEST: "BAD_REQUEST",
  /** The request exceeds a limit (depth, cost, aliases, tokens, nesting of the document). */
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  /** The request body is larger than MAX_REQUEST_BYTES. HTTP 413. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /**
   * Over a rate limit: the key's (or address's) budget of cost points for the window, or too many failed authentications
   * from the address. HTTP 429 with `Retry-After`.
   */
  RATE_LIMITED: "RATE_LIMITED",
  /** A fault of the server; details are logged, never sent. HTTP 500 when the response has no data. */
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
  /** The database cannot be reached right now: retry after the `Retry-After` header's seconds. HTTP 503 when the response has no data. */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export function apiError(code: ErrorCodeValue, message: string, extra: Record<string, unknown> = {}, httpStatus?: number) {
  return new GraphQLError(message, {
    extensions: { code, ...extra, ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

export const unauthenticated = (message = "Authentication required: send `Authorization: Bearer <personal API key>`.") =>
  apiError(ErrorCode.UNAUTHENTICATED, message, {}, 401);

export const forbidden = (message: string) => apiError(ErrorCode.FORBIDDEN, message);

/** The same answer for "does not exist" and "exists but is not yours", so ids leak nothing. */
export const notFound = (what: string, id?: string | number) =>
  apiError(ErrorCode.NOT_FOUND, id === undefined ? `${what} not found.` : `${what} ${JSON.stringify(String(id))} not found.`);

export const badUserInput = (message: string, extra: Record<string, unknown> = {}) => apiError(ErrorCode.BAD_USER_INPUT, message, extra);
