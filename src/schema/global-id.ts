// Opaque global ids: base64url of "Type:id". Clients must not parse them;
// every object also exposes PostHog's own id (`databaseId` or `uuid`).
import { notFound } from "../errors.js";

export function encodeId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, "utf8").toString("base64url");
}

export function decodeId(globalId: string): { typename: string; id: string } {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(globalId) ? Buffer.from(globalId, "base64url").toString("utf8") : "";
  const match = /^([A-Z][A-Za-z]{0,40}):([A-Za-z0-9-]{1,64})$/.exec(decoded);
  // A malformed id is answered like an unknown one, as GitHub does: NOT_FOUND.
  if (!match) throw notFound("Could not resolve to a node with the global id", globalId.slice(0, 80));
  return { typename: match[1], id: match[2] };
}
