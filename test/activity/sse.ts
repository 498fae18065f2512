// A small server-sent-events client for the tests: subscribes through the real
// HTTP handler (yoga.fetch) with `accept: text/event-stream` and reads the
// `next` / `complete` events one at a time.
import type { App } from "../../src/app.js";

export interface SseEvent {
  event: string;
  data: any;
}

export interface Subscription {
  status: number;
  headers: Headers;
  /** The next `next` or `complete` event (pings are skipped); rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Resolves true when no event arrives within `ms`. */
  quiet(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

export const ACTIVITY_CREATED = `subscription($projectId: ID!) {
  activityCreated(projectId: $projectId) {
    id activity scope itemId createdAt
    user { email }
    detail { name context changes { type action field before after } }
  }
}`;

export async function subscribe(app: App, query: string, variables: Record<string, unknown>, key: string | null): Promise<Subscription> {
  const response = await app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events: SseEvent[] = [];
  let pending: Promise<void> | null = null;
  // Read what the server sends at once (a ping, or the result of a refused
  // subscription), as a network transport would: the stream then runs.
  const first = await reader.read();
  if (!first.done) buffer += decoder.decode(first.value, { stream: true });

  // Reads until at least one whole event (not a comment) is buffered.
  const fill = async () => {
    for (let read = false; !events.length; read = true) {
      if (read || !buffer) {
        const { value, done } = await reader.read();
        if (done) throw new Error("The event stream ended.");
        buffer += decoder.decode(value, { stream: true });
      }
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = frame.split("\n").filter((l) => !l.startsWith(":"));
        if (!lines.length) continue; // a ping
        const event =
          lines
            .find((l) => l.startsWith("event:"))
            ?.slice(6)
            .trim() ?? "message";
        const data = lines
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trim())
          .join("\n");
        events.push({ event, data: data ? JSON.parse(data) : null });
      }
    }
  };

  const next = async (timeoutMs = 10_000): Promise<SseEvent> => {
    if (!events.length) {
      pending ??= fill().finally(() => (pending = null));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`No event within ${timeoutMs} ms.`)), timeoutMs);
      });
      try {
        await Promise.race([pending, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    return events.shift()!;
  };

  return {
    status: response.status,
    headers: response.headers,
    next,
    async quiet(ms) {
      try {
        await next(ms);
        return false;
      } catch (error) {
        if (/No event within/.test((error as Error).message)) return true;
        throw error;
      }
    },
    async close() {
      await reader.cancel().catch(() => {});
    },
  };
}
