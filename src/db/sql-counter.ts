// Counts the SQL statements sent through a Prisma driver adapter. Tests use it
// to prove N+1 freedom (statements per request must not grow with the number
// of parents); the benchmark reports statements per request.
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";

export class SqlCounter {
  count = 0;
  /** The statements since the last reset, when `recording` is on (for test diagnostics). */
  statements: string[] = [];
  recording = false;

  reset(): void {
    this.count = 0;
    this.statements = [];
  }

  /**
   * Watches each statement as it runs (src/observability/: the statements of the request, a span per statement);
   * it answers the function to call when the statement is done. Null (the default) costs nothing.
   */
  observer: StatementObserver | null = null;

  /** Counts one statement (Prisma's, through the adapter, or one sent straight to the driver). */
  note(sql: string): void {
    this.count += 1;
    if (this.recording) this.statements.push(sql);
  }

  /** Counts a statement and runs it, watched by the observer when there is one. */
  run<T>(sql: string, execute: () => Promise<T>): Promise<T> {
    this.note(sql);
    const done = this.observer?.(sql);
    if (!done) return execute();
    return execute().then(
      (value) => {
        done();
        return value;
      },
      (error: unknown) => {
        done(error);
        throw error;
      },
    );
  }
}

/** Called as a statement starts; answers what to call when it is done (with its error if it failed). */
export type StatementObserver = (sql: string) => ((error?: unknown) => void) | undefined;

type Queryable = Pick<SqlDriverAdapter, "queryRaw" | "executeRaw">;

function countQueries<T extends Queryable>(target: T, counter: SqlCounter): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (prop === "queryRaw" || prop === "executeRaw") {
        return (query: SqlQuery) => counter.run(query.sql, () => (value as (q: SqlQuery) => Promise<unknown>).call(obj, query));
      }
      if (prop === "startTransaction") {
        return async (...args: unknown[]) => {
          const tx = (await (value as (...a: unknown[]) => Promise<Transaction>).apply(obj, args)) as Transaction;
          return countQueries(tx, counter);
        };
      }
      return typeof value === "function" ? value.bind(obj) : value;
    },
  });
}

/** Wraps an adapter factory so every statement of every connection is counted. */
export function countingAdapter<F extends SqlDriverAdapterFactory>(factory: F, counter: SqlCounter): F {
  return new Proxy(factory, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (prop === "connect") {
        return async () => countQueries(await (value as () => Promise<SqlDriverAdapter>).call(obj), counter);
      }
      return typeof value === "function" ? value.bind(obj) : value;
    },
  });
}
