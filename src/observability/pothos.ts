// Resolver spans, through Pothos' tracing plugin and its OpenTelemetry
// wrapper, for the fields that can reach the database; installed in the
// builder (src/schema/builder.ts) only when tracing is configured (see
// tracing.ts). Without it the plugin is not in the builder at all, and no
// resolver is wrapped.
//
// Which fields: the root fields; fields that resolve an object or a list
// through code of their own (a loader, a page, a store); and scalar fields
// whose resolver is async (they await a loader, e.g. Annotation.insightName).
// Not: plain columns (exposed fields, sync scalar resolvers), global ids, and
// the plumbing of connections and payloads (edges, nodes, pageInfo, a payload's
// object), which only hand over what their parent already read.
import TracingPlugin from "@pothos/plugin-tracing";
import { createOpenTelemetryWrapper } from "@pothos/tracing-opentelemetry";
import type { PothosOutputFieldConfig, SchemaTypes } from "@pothos/core";
import type { GraphQLFieldResolver } from "graphql";
import { tracer, tracingConfigured } from "./tracing.js";

const ROOT_TYPES = new Set(["Query", "Mutation", "Subscription"]);
/** Types whose fields pass on what their parent field read. */
const PLUMBING = /(Connection|Edge|Payload)$|^PageInfo$/;

/** What the tracing plugin's `default` sees of a field (a subset of PothosOutputFieldConfig). */
interface FieldConfig {
  parentType: string;
  type: { kind: string; ref?: unknown; type?: FieldConfig["type"] };
  resolve?: unknown;
  extensions?: Record<string, unknown>;
}

const namedKind = (type: FieldConfig["type"]): FieldConfig["type"] => (type.kind === "List" && type.type ? namedKind(type.type) : type);

/** Whether a field gets a span: it is a root field or resolves, with its own code, something that can need a query. */
export function touchesDatabase(config: FieldConfig): boolean {
  if (ROOT_TYPES.has(config.parentType)) return true;
  if (PLUMBING.test(config.parentType)) return false;
  if (config.extensions?.pothosExposedField || typeof config.resolve !== "function") return false;
  const named = namedKind(config.type);
  const leaf = named.kind === "Scalar" || named.kind === "Enum";
  if (!leaf) return true;
  // Global ids are computed from the row (async only because Relay's encoder may be).
  if (named.ref === "ID") return false;
  return (config.resolve as () => unknown).constructor.name === "AsyncFunction";
}

/** The builder's extra plugins: Pothos' tracing plugin when traces are exported, else none. Decided at start from the environment. */
export function tracingPlugins(): "tracing"[] {
  return tracingConfigured() ? [TracingPlugin] : [];
}

/** The builder's `tracing` option when traces are exported (span per selected field, via OpenTelemetry), else undefined. */
export function tracingOptions<Types extends SchemaTypes>() {
  if (!tracingConfigured()) return undefined;
  // The global tracer: its provider is registered by server.ts before the first request.
  const createSpan = createOpenTelemetryWrapper(tracer());
  return {
    default: (config: PothosOutputFieldConfig<Types>) => touchesDatabase(config as unknown as FieldConfig),
    wrap: (resolver: GraphQLFieldResolver<unknown, Types["Context"], Record<string, unknown>>, options: unknown) =>
      createSpan(resolver as GraphQLFieldResolver<unknown, object, Record<string, unknown>>, options) as GraphQLFieldResolver<
        unknown,
        Types["Context"],
        Record<string, unknown>
      >,
  };
}
