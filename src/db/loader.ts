// DataLoader helpers shared by every area's loaders.ts.
import DataLoader from "dataloader";

/** A loader of rows by a unique key: one query per batch, null for keys without a row. */
export function rowLoader<K extends string | number, R>(fetch: (keys: K[]) => Promise<R[]>, keyOf: (row: R) => K): DataLoader<K, R | null> {
  return new DataLoader<K, R | null>(async (keys) => {
    const rows = await fetch([...keys]);
    const byKey = new Map(rows.map((r) => [String(keyOf(r)), r]));
    return keys.map((k) => byKey.get(String(k)) ?? null);
  });
}

/** A loader of every row belonging to each key (a one-to-many list), one query per batch. */
export function groupLoader<K extends string | number, R>(fetch: (keys: K[]) => Promise<R[]>, keyOf: (row: R) => K): DataLoader<K, R[]> {
  return new DataLoader<K, R[]>(async (keys) => {
    const rows = await fetch([...keys]);
    const byKey = new Map<string, R[]>();
    for (const row of rows) {
      const k = String(keyOf(row));
      const list = byKey.get(k);
      if (list) list.push(row);
      else byKey.set(k, [row]);
    }
    return keys.map((k) => byKey.get(String(k)) ?? []);
  });
}
