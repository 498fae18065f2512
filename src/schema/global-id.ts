// Opaque global ids: base64url of "Type:id". Clients must not parse them;
// every object also exposes PostHog's own id (`databaseId` or `uuid`).
import { notFound } from "../errors.js";

export function encodeId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, "utf8").toString("base64url");
}

/** The typenames that global ids may name (the types implementing Node); null until the app registers them. */
let nodeTypes: ReadonlySet<string> | null = null;

/** Registers the object types that implement Node (the app does, from the built schema). */
export function setNodeTypes(typenames: Iterable<string>): void {
  nodeTypes = new Set(typenames);
}

export function decodeId(globalId: string): { typename: string; id: string } {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(globalId) ? Buffer.from(globalId, "base64url").toString("utf8") : "";
  const match = /^([A-Z][A-Za-z]{0,40}):([A-Za-z0-9-]{1,64})$/.exec(decoded);
  // A malformed id, or one naming a type that is not a Node (e.g. `Viewer:1`), is
  // answered like an unknown one, as GitHub does: NOT_FOUND (never a fault).
  if (!match || (nodeTypes !== null && !nodeTypes.has(match[1]))) throw notFound("Node", globalId.slice(0, 80));
  return { typename: match[1], id: match[2] };
}
