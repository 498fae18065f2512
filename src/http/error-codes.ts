// Error codes on everything a client can receive, graphql-js's own errors
// included, and HTTP 400 for requests refused before execution.
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { isLimitError } from "../limits.js";
import { ErrorCode } from "../errors.js";

function withCode(error: GraphQLError, code: string, httpStatus?: number): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code, ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

/** Codes of requests refused before execution: answered 400 whatever the Accept header (see README). */
const REQUEST_ERROR_CODES = new Set<string>([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_REQUEST,
  ErrorCode.QUERY_TOO_COMPLEX,
]);

/**
 * Gives every error a client can receive an `extensions.code`, graphql-js's own included;
 * answers request-level failures (parse, validation, malformed request, bad variables)
 * with HTTP 400 also for `accept: application/json` (yoga would answer 200 there); and
 * sends nothing of an error's internals (`originalError`).
 */
export function errorCodesPlugin(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error && result.name === "GraphQLError") {
          replaceParseResult(
            withCode(
              result as GraphQLError,
              isLimitError(result.message) ? ErrorCode.QUERY_TOO_COMPLEX : ErrorCode.GRAPHQL_PARSE_FAILED,
              400,
            ),
          );
        }
      };
    },
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length) {
          setResult(
            result.map((e) =>
              withCode(e, isLimitError(e.message) ? ErrorCode.QUERY_TOO_COMPLEX : ErrorCode.GRAPHQL_VALIDATION_FAILED, 400),
            ),
          );
        }
      };
    },
    onResultProcess({ result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const r of results) {
        const errors = (r as { errors?: GraphQLError[] }).errors;
        if (!Array.isArray(errors)) continue;
        const executed = "data" in (r as object);
        for (const error of errors) {
          if (!(error instanceof Error && error.name === "GraphQLError")) continue;
          // graphql-js errors keep a plain, writable extensions object.
          const extensions = error.extensions as Record<string, unknown>;
          const http = extensions.http as { status?: number; spec?: boolean } | undefined;
          const variableError = !executed && /^Variable "\$/.test(error.message);
          if (!extensions.code) {
            extensions.code = variableError
              ? ErrorCode.BAD_USER_INPUT
              : http?.status && http.status < 500
                ? ErrorCode.BAD_REQUEST
                : ErrorCode.INTERNAL_SERVER_ERROR;
          }
          if (!executed && (variableError || REQUEST_ERROR_CODES.has(String(extensions.code)))) {
            extensions.http = { ...http, status: http?.status && http.status >= 400 ? http.status : 400, spec: false };
          }
          delete extensions.originalError;
        }
      }
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      // yoga answers some refusals (unknown path, unsupported content type, unacceptable
      // Accept) with an empty body; give them an error with a code like every other.
      if (response.status < 400 || response.body !== null || request.method === "HEAD") return;
      const message =
        response.status === 404
          ? "Not found: the API is served at /graphql."
          : response.status === 415
            ? "Unsupported content type: send `content-type: application/json`."
            : response.status === 406
              ? "Not acceptable: accept `application/json` or `application/graphql-response+json`."
              : response.statusText || "Bad request.";
      const headers = new fetchAPI.Headers(response.headers);
      headers.set("content-type", "application/json; charset=utf-8");
      headers.delete("content-length");
      setResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: ErrorCode.BAD_REQUEST } }] }), {
          status: response.status,
          headers,
        }),
      );
    },
  };
}
