// Lookups accept either an object's opaque global id or PostHog's own
// identifier (integer id or UUID), as typed fields and mutation inputs do.
import { decodeId } from "./global-id.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT = /^[1-9][0-9]{0,9}$/;

/** The database id of `typename` named by `value`, or null when it cannot name one (→ NOT_FOUND). */
export function parseIdFor(typename: string, kind: "int" | "uuid", value: string): string | number | null {
  const raw = value.trim();
  let inner = raw;
  if (!(kind === "int" ? INT.test(raw) : UUID.test(raw))) {
    try {
      const decoded = decodeId(raw);
      if (decoded.typename !== typename) return null;
      inner = decoded.id;
    } catch {
      return null;
    }
  }
  if (kind === "int") return INT.test(inner) && Number(inner) <= 2147483647 ? Number(inner) : null;
  return UUID.test(inner) ? inner.toLowerCase() : null;
}
