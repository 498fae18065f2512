// Identifiers: opaque global ids (base64url of "Type:id"; clients must not
// parse them), and the lookups that accept either a global id or PostHog's
// own identifier (an integer row id or a UUID), as typed fields and
// mutation inputs do. The one place that decides what a valid id looks like.
import { notFound } from "../errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROW_ID = /^[1-9][0-9]{0,9}$/;
/** PostgreSQL's int4: row ids beyond it name nothing. */
const MAX_ROW_ID = 2147483647;

/** Whether a string is a UUID (any case). */
export const isUuid = (value: string): boolean => UUID.test(value);

/** The integer row id a string names (a positive int4 in decimal), or null. */
export function parseRowId(value: string): number | null {
  return ROW_ID.test(value) && Number(value) <= MAX_ROW_ID ? Number(value) : null;
}

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

/** The database id of `typename` named by `value` (a global id or the raw id), or null when it cannot name one (→ NOT_FOUND). */
export function parseIdFor(typename: string, kind: "int" | "uuid", value: string): string | number | null {
  const raw = value.trim();
  let inner = raw;
  if (!(kind === "int" ? ROW_ID.test(raw) : isUuid(raw))) {
    try {
      const decoded = decodeId(raw);
      if (decoded.typename !== typename) return null;
      inner = decoded.id;
    } catch {
      return null;
    }
  }
  if (kind === "int") return parseRowId(inner);
  return isUuid(inner) ? inner.toLowerCase() : null;
}
