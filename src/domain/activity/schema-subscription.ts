// Subscription.activityCreated: every activity entry committed for a project or
// any of its environments, as it happens, over server-sent events or graphql-ws (or any
// transport yoga serves subscriptions on). See live.ts for how entries are heard.
//
// Access is that of `Project.activity`: the key needs `project:read` and the
// project must be visible (member of its organization, key reaches the
// project, project not deleted). It is checked when subscribing and again,
// against the database, before each batch of entries and at each periodic
// re-check round (every `recheckIntervalMs`): the key is re-authenticated, and a
// subscriber that lost access (key revoked, membership removed, project deleted
// or moved out of reach) gets one last event with the error
// (UNAUTHENTICATED, FORBIDDEN or NOT_FOUND, as a query would answer) and its
// stream ends. The re-checks of the subscribers one event reaches share their
// reads (liveRound, service.ts): the cost of an event does not grow with the
// number of subscribers of a key or an organization.
import type { ActivityLog } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import { viewerOf, type Context } from "../../context.js";
import { unauthenticated } from "../../errors.js";
import { getVisibleProject } from "../projects/service.js";
import { ActivityEntryRef } from "./schema.js";
import { activityFeedFor, type ActivityFeed, type ActivityNotice, type DeliveryRound } from "./live.js";
import { liveRound, liveScopeRefusal } from "./service.js";
import { ACTIONS } from "../../auth/policy.js";

/** An entry to send, or the error that ends the stream. */
type LiveEvent = ActivityLog | Error;

const READ_SCOPE = ACTIONS["activity:read"].scope;

/** The raw API key of the request that subscribed (the same header app.ts authenticated). */
function requestKey(ctx: Context): string | null {
  const request = (ctx as Context & { request?: Request }).request;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request?.headers.get("authorization") ?? "");
  return match ? match[1] : null;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * The entries of a project as they are committed, each batch after an access
 * re-check; ends after the error when access is lost. It listens from its
 * creation (inside `subscribe`, so nothing committed after the subscription is
 * answered is missed) and does its work when the transport pulls (`next`), so a
 * slow client slows only itself; `return` (the client went away) stops it at once.
 */
class LiveActivity implements AsyncIterableIterator<LiveEvent> {
  private notices: { notice: ActivityNotice; round: DeliveryRound }[] = [];
  private ready: LiveEvent[] = [];
  /** No notice will be added: deliver what is queued, then end. */
  private ended = false;
  /** The consumer returned: end now. */
  private stopped = false;
  /** The latest re-check round not yet done (a batch of notices does it too). */
  private recheckDue: DeliveryRound | null = null;
  private wake: (() => void) | null = null;
  private readonly off: () => void;

  constructor(
    private readonly ctx: Context,
    feed: ActivityFeed,
    private readonly projectId: number,
    private readonly projectArg: string,
    private readonly rawKey: string,
  ) {
    this.off = feed.listen(projectId, {
      notice: (notice, round) => {
        // A client that stopped reading: end its stream rather than queue without bound.
        if (this.notices.length >= feed.maxQueued) this.end();
        else this.notices.push({ notice, round });
        this.poke();
      },
      recheck: (round) => {
        this.recheckDue = round;
        this.poke();
      },
      end: () => this.end(),
    });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  async next(): Promise<IteratorResult<LiveEvent, undefined>> {
    for (;;) {
      if (this.stopped) return DONE;
      if (this.ready.length) return { value: this.ready.shift()!, done: false };
      if (this.notices.length || (this.recheckDue && !this.ended)) {
        await this.process();
        continue;
      }
      if (this.ended) {
        this.stopped = true;
        return DONE;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<LiveEvent, undefined>> {
    this.stopped = true;
    this.end();
    return DONE;
  }

  async throw(): Promise<IteratorResult<LiveEvent, undefined>> {
    return this.return();
  }

  private poke() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private end() {
    if (!this.ended) {
      this.ended = true;
      this.off();
    }
    this.poke();
  }

  /**
   * Re-checks access (in the round of the latest notice, or of the re-check), then turns the queued notices into
   * entries (or the error that ends the stream). On success the subscription's context gets the fresh principal and
   * the round's loaders, so entries resolve as in a new request, reading what other subscribers read only once.
   */
  private async process(): Promise<void> {
    const batch = this.notices.splice(0);
    const round = batch.at(-1)?.round ?? this.recheckDue!;
    this.recheckDue = null;
    const { db, config } = this.ctx;
    try {
      const access = await liveRound(round, db, config).check(this.rawKey, this.projectArg);
      if (!access.ok) {
        this.ready.push(access.error);
        this.notices = [];
        this.end();
        return;
      }
      this.ctx.principal = access.principal;
      this.ctx.loaders = access.loaders;
      // Entries are sent as stored (secrets were masked when written), in commit order.
      const entries = await Promise.all(batch.map(({ notice, round }) => liveRound(round, db, config).entry(this.projectId, notice.id)));
      for (const entry of entries) if (entry) this.ready.push(entry);
    } catch (error) {
      // A fault (e.g. of the database): one last result with it (masked as
      // INTERNAL_SERVER_ERROR and logged by the app), then the stream ends.
      this.ready.push(error instanceof Error ? error : new Error(String(error)));
      this.notices = [];
      this.end();
    }
  }
}

builder.subscriptionType({
  description:
    "The root of live updates. Served over server-sent events: POST or GET /graphql with `Accept: text/event-stream`; each result " +
    "is an `event: next`, and `event: complete` ends the stream. Also over WebSocket at /graphql with the graphql-ws protocol " +
    "(the API key in `connectionParams.Authorization`).",
});

builder.subscriptionField("activityCreated", (t) =>
  t.field({
    type: ActivityEntryRef,
    description:
      "Each activity entry of the project or of any of its environments, as it is committed (entries of rolled-back changes never " +
      "come). Needs `project:read` and a visible project (NOT_FOUND otherwise), as `Project.activity`. Access is checked again " +
      "before each entry and every minute: when it is lost (key revoked, membership removed, project deleted) one last result " +
      "carries the error (UNAUTHENTICATED, FORBIDDEN or NOT_FOUND) and the stream completes. The stream also completes when the " +
      "server shuts down or the client falls over 1000 entries behind; nothing is replayed, so after reconnecting read " +
      "`Project.activity` to catch up.",
    authScopes: { scope: READ_SCOPE },
    args: {
      projectId: t.arg.id({ required: true, description: "The project's global id, or PostHog's integer id of it." }),
    },
    subscribe: async (_root, args, ctx) => {
      // authScopes guard `resolve` (each event); the builder does not run them on `subscribe`
      // (scopeAuth.authorizeOnSubscribe is off), so the scope is checked here too.
      const missingScope = liveScopeRefusal(viewerOf(ctx));
      if (missingScope) throw missingScope;
      const projectArg = String(args.projectId);
      const project = await getVisibleProject(ctx, projectArg);
      const rawKey = requestKey(ctx);
      if (!rawKey) throw unauthenticated();
      const feed = activityFeedFor(ctx.db);
      // LISTEN is in effect before the subscription is answered: nothing committed afterwards is missed.
      await feed.start();
      return new LiveActivity(ctx, feed, project.id, projectArg, rawKey);
    },
    resolve: (event) => {
      if (event instanceof Error) throw event;
      return event;
    },
  }),
);
