// Builds the schema: imports every area's schema module (each registers its
// types, queries and mutations on the builder), then prints nothing itself.
import { lexicographicSortSchema, printSchema, specifiedDirectives, type GraphQLSchema } from "graphql";
import { GraphQLDeferDirective, GraphQLStreamDirective } from "@graphql-tools/utils";
import { builder } from "./builder.js";
import "./relay.js";
import "./payloads.js";
import "../domain/users/schema.js";
import "../domain/organizations/schema.js";
import "../domain/activity/schema.js";
import "../domain/projects/schema.js";
import "../domain/environments/schema.js";
import "../domain/roles/schema.js";
import "../domain/annotations/schema.js";
import "../domain/cohorts/schema.js";
import "../domain/activity/schema-subscription.js";
import "../domain/rate-limits/schema.js";

let built: GraphQLSchema | undefined;

/** The schema, built once per process. */
export function getSchema(): GraphQLSchema {
  // @defer and @stream as yoga's defer-stream plugin defines them (the same objects), so clients and
  // schema.graphql see them and the plugin has no schema of its own to build (src/execution.ts).
  built ??= builder.toSchema({ sortSchema: false, directives: [...specifiedDirectives, GraphQLDeferDirective, GraphQLStreamDirective] });
  return built;
}

/** The SDL committed as schema.graphql: lexicographically sorted. */
export function printSchemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}
