// Which of db.sql's statements go to PostgreSQL as named (prepared) statements.
//
// An unnamed statement is parsed and planned at every execution: for the nested
// read's annotations page that is ~0.8 of its ~3.5 ms of PostgreSQL CPU
// (measured). A named one is parsed once per connection, and PostgreSQL keeps
// its plan (a generic one once it is known not to be worse).
//
// Bounded, since selection-aware SQL makes a text per selection and a client
// can send many selections (a fuzzer: 10,000 distinct documents): a text is
// named at its second sighting (counted in a bounded LRU of candidates, so
// statements sent once are never prepared), and at most `limit` texts are
// ever named. Names are never reused for another text (pg refuses that on a
// connection that prepared the name), so each connection prepares at most
// `limit` statements. Once all names are given, later texts run unnamed. A
// named statement whose result changed shape under it (a migration while the
// process runs) is run again unnamed and forgotten.
import { BoundedLru } from "../cache/lru.js";

/** How many texts may be named by default (PREPARED_STATEMENTS), and how many candidates are counted. */
export const DEFAULT_PREPARED_STATEMENTS = 100;
const CANDIDATES = 1000;
/** A candidate's estimated bytes: its text (two bytes a character) and the entry. */
const candidateBytes = (text: string) => text.length * 2 + 64;

export class PreparedStatements {
  private readonly names = new Map<string, string>();
  /** Names given so far (a name is never given twice, even after `forget`). */
  private given = 0;
  private readonly candidates = new BoundedLru<string, number>({
    maxEntries: CANDIDATES,
    maxBytes: 8 * 1024 * 1024,
    weigh: candidateBytes,
  });

  /** `limit` 0 names nothing (every statement unnamed). */
  constructor(readonly limit: number = DEFAULT_PREPARED_STATEMENTS) {}

  /** How many texts are named now. */
  get size(): number {
    return this.names.size;
  }

  /** The name to send `text` under, or undefined: unnamed (parsed and planned at each execution). */
  nameFor(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined || this.given >= this.limit) return name;
    const sightings = (this.candidates.get(text) ?? 0) + 1;
    if (sightings < 2) {
      this.candidates.set(text, sightings);
      return undefined;
    }
    this.candidates.delete(text);
    this.given += 1;
    const named = `db_sql_${this.given}`;
    this.names.set(text, named);
    return named;
  }

  /** Sends `text` unnamed from now on (its prepared statement went stale); it may earn a new name later, within `limit`. */
  forget(text: string): void {
    this.names.delete(text);
  }
}

/**
 * Whether PostgreSQL refused a prepared statement whose result changed shape under it (a migration altered a table
 * its `t.*` reads): run once more unnamed, and it is planned afresh.
 */
export const isStalePreparedStatement = (error: unknown): boolean =>
  error instanceof Error && /cached plan must not change result type/.test(error.message);
