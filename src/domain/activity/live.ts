// Live activity: hears every new activity entry of the database and fans it out,
// in process, to the subscribers of its project.
//
// Delivery is transactional and crosses processes: an AFTER INSERT trigger on
// "ActivityLog" (prisma/migrations/0003_activity_notify) sends
// NOTIFY activity_created '{"id", "organizationId", "projectId", "environmentId"}',
// which PostgreSQL delivers only when the writing transaction commits (never
// for a rolled-back one), to every listening connection, whichever process
// wrote the entry. On a PostgreSQL server one dedicated `pg` connection per
// feed LISTENs; on the embedded PGlite, `pglite.listen()` does.
//
// A feed connects when its first subscriber arrives (so an app that nobody
// subscribes to holds no extra connection) and stays connected until close().
// When its connection is lost, every current subscription ends (their clients
// resubscribe and read `activity` to catch up: nothing is replayed); the next
// subscriber reconnects.
//
// Fan-out: the notices dispatched together (one read of the connection) and
// each periodic re-check form a DeliveryRound, handed to every listener they
// reach. A round is a memo shared by those listeners, so what every subscriber
// needs (its key's access, the entry, the rows its fields resolve) is read once
// per round, not once per subscriber (src/domain/activity/service.ts). The
// re-check runs on one timer of the feed, for every listener at once.
import type { Database } from "../../db/client.js";

export const ACTIVITY_CHANNEL = "activity_created";

/** What a notification carries: ids only; the entry itself is read by id. */
export interface ActivityNotice {
  id: string;
  organizationId: string;
  projectId: number | null;
  environmentId: number | null;
}

export interface ActivityFeedOptions {
  /** The PostgreSQL server to LISTEN on; defaults to the database's own URL (`db.url`). */
  databaseUrl?: string;
  /** How often every subscriber re-checks its access, entries or not (ms; one round for all); default 60 s. */
  recheckIntervalMs?: number;
  /** The most notices queued for one subscriber that does not read; beyond, its stream ends. Default 1000. */
  maxQueued?: number;
}

/**
 * What the listeners reached by one dispatch (or one periodic re-check) share:
 * values made once by the first listener that asks for them. Nothing in it
 * outlives the listeners that hold the round.
 */
export class DeliveryRound {
  private readonly values = new Map<string, unknown>();

  /** The value shared under `name` in this round, made by `make` the first time it is asked for. */
  shared<T>(name: string, make: () => T): T {
    if (!this.values.has(name)) this.values.set(name, make());
    return this.values.get(name) as T;
  }
}

export interface ProjectListener {
  /** A new entry of the project (or one of its environments) was committed; `round` is shared with the other listeners it reached. */
  notice(notice: ActivityNotice, round: DeliveryRound): void;
  /** Time to re-check access (every `recheckIntervalMs`, for every listener in one round). */
  recheck(round: DeliveryRound): void;
  /** The feed closed or lost its connection: no more notices will come. */
  end(): void;
}

/** The database as the feed needs it; `url` is the PostgreSQL server's URL. */
type Listenable = Pick<Database, "kind" | "pglite"> & { url?: string };

class NoticeEvent extends Event {
  constructor(
    type: string,
    readonly notice: ActivityNotice,
    readonly round: DeliveryRound,
  ) {
    super(type);
  }
}

class RecheckEvent extends Event {
  constructor(readonly round: DeliveryRound) {
    super(RECHECK);
  }
}

const END = "end";
const RECHECK = "recheck";
const projectEvent = (projectId: number) => `project:${projectId}`;

export function parseNotice(payload: string): ActivityNotice | null {
  try {
    const value = JSON.parse(payload) as Partial<ActivityNotice>;
    if (typeof value.id !== "string" || typeof value.organizationId !== "string") return null;
    const int = (v: unknown) => (typeof v === "number" && Number.isInteger(v) ? v : null);
    return { id: value.id, organizationId: value.organizationId, projectId: int(value.projectId), environmentId: int(value.environmentId) };
  } catch {
    return null;
  }
}

export class ActivityFeed {
  /** Read when a listener arrives: the re-check timer follows a changed value from then on (tests lower it). */
  recheckIntervalMs: number;
  maxQueued: number;
  /** Event types: `project:<id>` (a NoticeEvent), `recheck` (a RecheckEvent) and `end`. */
  private readonly events = new EventTarget();
  private connecting: Promise<void> | null = null;
  private disconnect: (() => Promise<void>) | null = null;
  private closed = false;
  private listeners = 0;
  /** The round of the notices being dispatched together (one read of the connection). */
  private round: DeliveryRound | null = null;
  /** The periodic re-check, running while there are listeners, and its interval. */
  private recheckTimer: { timer: NodeJS.Timeout; intervalMs: number } | null = null;

  constructor(
    private readonly db: Listenable,
    private readonly options: ActivityFeedOptions = {},
  ) {
    this.recheckIntervalMs = options.recheckIntervalMs ?? 60_000;
    this.maxQueued = options.maxQueued ?? 1000;
  }

  /** Number of current project listeners (tests, diagnostics). */
  get size(): number {
    return this.listeners;
  }

  /** Starts listening (once); resolves when LISTEN is in effect, so no entry committed afterwards is missed. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("The activity feed is closed."));
    this.connecting ??= this.connect().catch((error: unknown) => {
      this.connecting = null; // the next subscriber tries again
      throw error;
    });
    return this.connecting;
  }

  /**
   * Calls `listener.notice` for each committed entry whose projectId is `projectId`,
   * until the returned function is called or the feed ends (then `listener.end`).
   * Call start() first: notices committed before LISTEN is in effect are not heard.
   */
  listen(projectId: number, listener: ProjectListener): () => void {
    const onNotice = (event: Event) => listener.notice((event as NoticeEvent).notice, (event as NoticeEvent).round);
    const onRecheck = (event: Event) => listener.recheck((event as RecheckEvent).round);
    let done = false;
    const off = () => {
      if (done) return;
      done = true;
      this.listeners -= 1;
      this.events.removeEventListener(projectEvent(projectId), onNotice);
      this.events.removeEventListener(RECHECK, onRecheck);
      this.events.removeEventListener(END, onEnd);
      if (this.listeners === 0) this.stopRechecks();
    };
    const onEnd = () => {
      off();
      listener.end();
    };
    this.listeners += 1;
    this.events.addEventListener(projectEvent(projectId), onNotice);
    this.events.addEventListener(RECHECK, onRecheck);
    this.events.addEventListener(END, onEnd);
    if (this.closed) queueMicrotask(onEnd);
    else this.startRechecks();
    return off;
  }

  /** Delivers a raw NOTIFY payload to the listeners of its project, in the round of the notices dispatched with it. */
  dispatch(payload: string): void {
    const notice = parseNotice(payload);
    if (notice?.projectId == null) return; // organization-level entries have no project subscribers
    if (!this.round) {
      this.round = new DeliveryRound();
      // The notices dispatched together (one read of the connection: e.g. a transaction's entries) share the
      // round; the next dispatch, after this task, starts a new one. (Not the next turn of the event loop: on the
      // embedded database a whole request can run in microtasks, and a later event must be checked afresh.)
      queueMicrotask(() => {
        this.round = null;
      });
    }
    this.events.dispatchEvent(new NoticeEvent(projectEvent(notice.projectId), notice, this.round));
  }

  /** One re-check round for every listener, now (the timer calls it every `recheckIntervalMs`). */
  recheck(): void {
    this.events.dispatchEvent(new RecheckEvent(new DeliveryRound()));
  }

  private startRechecks(): void {
    if (this.recheckTimer?.intervalMs === this.recheckIntervalMs) return;
    this.stopRechecks();
    const timer = setInterval(() => this.recheck(), this.recheckIntervalMs);
    timer.unref?.();
    this.recheckTimer = { timer, intervalMs: this.recheckIntervalMs };
  }

  private stopRechecks(): void {
    if (this.recheckTimer) clearInterval(this.recheckTimer.timer);
    this.recheckTimer = null;
  }

  /** Ends every subscription and stops listening. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopRechecks();
    await this.connecting?.catch(() => {});
    await this.dropConnection();
    this.events.dispatchEvent(new Event(END));
  }

  private async connect(): Promise<void> {
    const db = this.db;
    if (db.kind === "pglite") {
      if (!db.pglite) throw new Error("The embedded database has no PGlite instance to listen on.");
      const unlisten = await db.pglite.listen(ACTIVITY_CHANNEL, (payload) => this.dispatch(payload));
      this.disconnect = () => unlisten();
    } else {
      const url = this.options.databaseUrl ?? db.url;
      if (!url) throw new Error("Live activity on PostgreSQL needs the server's URL (Database.url).");
      const pg = (await import("pg")).default;
      // A connection of its own: a pooled one would be handed to other queries.
      const client = new pg.Client({
        connectionString: url,
        keepAlive: true,
        connectionTimeoutMillis: 10_000,
        application_name: "activity-listener",
      });
      client.on("notification", (message) => {
        if (message.channel === ACTIVITY_CHANNEL && message.payload) this.dispatch(message.payload);
      });
      let lost = false;
      const onLost = (error?: Error) => {
        if (lost) return;
        lost = true;
        if (this.closed || this.disconnect !== closeClient) return;
        if (error && process.env.NODE_ENV !== "test") console.error(`Live activity: lost the LISTEN connection: ${error.message}`);
        this.disconnect = null;
        this.connecting = null;
        client.end().catch(() => {});
        // Subscribers could have missed entries from here on: end their streams.
        this.events.dispatchEvent(new Event(END));
      };
      const closeClient = async () => {
        lost = true;
        await client.end().catch(() => {});
      };
      client.on("error", onLost);
      client.on("end", () => onLost());
      try {
        await client.connect();
        await client.query(`LISTEN ${ACTIVITY_CHANNEL}`);
      } catch (error) {
        lost = true;
        await client.end().catch(() => {});
        throw error;
      }
      this.disconnect = closeClient;
    }
    if (this.closed) await this.dropConnection();
  }

  private async dropConnection(): Promise<void> {
    const disconnect = this.disconnect;
    this.disconnect = null;
    this.connecting = null;
    // After the database closed, there is nothing left to unlisten from.
    await disconnect?.().catch(() => {});
  }
}

const feeds = new WeakMap<object, ActivityFeed>();

/**
 * The feed of a database: one per Database object (created on first use; the
 * options of that first call apply). The app creates it (createApp) and closes
 * it at shutdown; subscriptions find it through their context's `db`.
 */
export function activityFeedFor(db: Database, options?: ActivityFeedOptions): ActivityFeed {
  let feed = feeds.get(db);
  if (!feed) {
    feed = new ActivityFeed(db as Listenable, options);
    feeds.set(db, feed);
  }
  return feed;
}
