// A request id on every response (`x-request-id`), and the same id in the
// log line of any fault the request met, so a client's report finds the log.
import { randomUUID } from "node:crypto";
import type { Plugin } from "graphql-yoga";

export const REQUEST_ID_HEADER = "x-request-id";

/** An incoming id is kept when it is short and plain (a proxy's or client's id); anything else could forge or break log lines. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}$/;

const ids = new WeakMap<Request, string>();

/** The request's id: the client's `x-request-id` when sane, else a new UUID (the same one every time it is asked). */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) {
    const incoming = request.headers.get(REQUEST_ID_HEADER)?.trim();
    id = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ids.set(request, id);
  }
  return id;
}

/** Puts the request id on every response, whatever answered it (GraphQL, health, GraphiQL, a refusal). */
export function requestIdPlugin(): Plugin {
  return {
    onRequest({ request }) {
      requestIdOf(request);
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      const id = requestIdOf(request);
      try {
        response.headers.set(REQUEST_ID_HEADER, id);
      } catch {
        // Immutable headers (e.g. Response.error()): answer a copy.
        const headers = new fetchAPI.Headers(response.headers);
        headers.set(REQUEST_ID_HEADER, id);
        setResponse(new fetchAPI.Response(response.body, { status: response.status, statusText: response.statusText, headers }));
      }
    },
  };
}
