// Type scopes checked where objects are delivered, once per delivering field,
// instead of on every field of every object (issue 14).
//
// scope-auth checks a type's `authScopes` (e.g. Annotation's
// `annotation:read`) before each field it resolves on an object of that type:
// on the nested read that is ~12,000 wrapped resolver calls per request,
// ~22 % of all allocations, for a decision that depends only on the key's
// scopes, never on the object. Its own remedy, `runScopesOnType` (the check in
// `isTypeOf`), does not work under graphql-jit (src/execution.ts), which calls
// `isTypeOf` without the context.
//
// So this plugin moves the check, with the same rule, to where objects of such
// a type enter the response. For every object type whose `authScopes` is a
// plain map (a "scoped type"; a function of the object stays per field, as
// scope-auth does it):
// - each of its fields skips the type check (`skipTypeScopes`), so a field
//   without scopes of its own runs unwrapped;
// - each field that delivers objects of it (its type, after lists and a Relay
//   connection -> edge -> node, is that type) requires the type's scopes too,
//   "all of" its own (scope-auth's `$all`): a list answers one FORBIDDEN on
//   the list field rather than one per child field. The fields of a connection
//   or edge of the type (`edges`, `nodes`, `node`) are covered by the field
//   that delivered the connection. A requirement the field's own scopes, or
//   its parent's type scopes (checked where the parent was delivered), already
//   imply is not added twice: Project -> environments needs nothing more;
// - a field whose type is abstract (`node`, `nodes`, a union): the concrete
//   type is known only once the value is loaded, so the value is checked
//   after the resolver: a refused object becomes a FORBIDDEN error in its
//   place (null at its index in a list), with the message the per-field
//   check gave ("Not authorized to read fields for Organization").
//
// Being a plugin hook (onOutputFieldConfig, wrapResolve), it applies to every
// field, including ones added later: none can forget the check.
// test/unit/type-scopes.test.ts walks the schema to hold that.
import SchemaBuilder, {
  BasePlugin,
  completeValue,
  isThenable,
  type InputFieldMap,
  type PothosOutputFieldConfig,
  type PothosOutputFieldType,
  type PothosTypeConfig,
  type SchemaTypes,
} from "@pothos/core";
import { ForbiddenError, RequestCache, type AuthScopeMap, type UnauthorizedErrorFn } from "@pothos/plugin-scope-auth";
import { defaultTypeResolver, getNamedType, isAbstractType, type GraphQLAbstractType, type GraphQLFieldResolver } from "graphql";

const pluginName = "typeScopes";
export default pluginName;

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      typeScopes: PothosTypeScopesPlugin<Types>;
    }
  }
}

type ScopeMap = Record<string, unknown>;
type Resolver<Types extends SchemaTypes> = GraphQLFieldResolver<unknown, Types["Context"], object>;

const isPlainMap = (value: unknown): value is ScopeMap => typeof value === "object" && value !== null && !Array.isArray(value);

/** The scopes a plain map names, as a canonical string (keys sorted, nested `$all`/`$any` included). */
function canonical(map: unknown): string {
  if (!isPlainMap(map)) return JSON.stringify(map);
  return `{${Object.keys(map)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(map[k])}`)
    .join(",")}}`;
}

/**
 * Whether passing `checked` guarantees passing `needed`: the same map, or `needed` is `{ authenticated: true }` and
 * `checked` names only this API's scopes (builder.ts: every `scope` needs a key, i.e. an authenticated request).
 */
export function implies(checked: unknown, needed: ScopeMap): boolean {
  if (!isPlainMap(checked)) return false;
  if (canonical(checked) === canonical(needed)) return true;
  const keys = Object.keys(checked);
  return (
    canonical(needed) === canonical({ authenticated: true }) &&
    keys.length > 0 &&
    keys.every((k) => (k === "authenticated" && checked[k] === true) || k === "scope")
  );
}

export class PothosTypeScopesPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  /** Both maps must pass, each under the builder's default strategy (scope-auth's default is "any"). */
  private allOf(a: ScopeMap, b: ScopeMap): ScopeMap {
    return this.builder.options.scopeAuth?.defaultStrategy === "all"
      ? { $all: a, $any: { $all: b } }
      : { $all: { $any: a, $all: { $any: b } } };
  }

  /** A scoped type's map; null for any other type (roots, interfaces, unions, a type scoped by a function of its object). */
  typeScopes(config: PothosTypeConfig): ScopeMap | null {
    if (config.kind !== "Object") return null;
    const options = config.pothosOptions as { authScopes?: unknown; runScopesOnType?: boolean };
    if (options.runScopesOnType) return null;
    return isPlainMap(options.authScopes) ? options.authScopes : null;
  }

  /** The object type a connection or an edge carries (`edges` + `pageInfo`, `node` + `cursor`); null for any other type. */
  carried(config: PothosTypeConfig): PothosTypeConfig | null {
    if (config.kind !== "Object") return null;
    const fields = this.builder.configStore.getFields(config.name, "Object");
    const edges = fields.get("edges");
    if (edges && fields.has("pageInfo")) return this.delivered(edges.type);
    const node = fields.get("node");
    if (node && fields.has("cursor")) return this.delivered(node.type);
    return null;
  }

  /** The type whose objects a field of this type delivers: lists, connections and edges unwrapped. */
  delivered(type: PothosOutputFieldType<Types>): PothosTypeConfig {
    let named = type;
    while (named.kind === "List") named = named.type;
    const config = this.buildCache.getTypeConfig(named.ref);
    return this.carried(config) ?? config;
  }

  /** The scoped types an abstract type (interface or union) may resolve to, by name. */
  private scopedPossibleTypes(config: PothosTypeConfig): Map<string, ScopeMap> {
    const scoped = new Map<string, ScopeMap>();
    const store = this.builder.configStore;
    const members =
      config.kind === "Interface"
        ? [...store.typeConfigs.values()].filter(
            (type) => type.kind === "Object" && type.interfaces.some((iface) => this.buildCache.getTypeConfig(iface).name === config.name),
          )
        : config.kind === "Union"
          ? config.types.map((member) => this.buildCache.getTypeConfig(member))
          : [];
    for (const member of members) {
      const scopes = this.typeScopes(member);
      if (scopes) scoped.set(member.name, scopes);
    }
    return scoped;
  }

  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    const parent = this.buildCache.getTypeConfig(fieldConfig.parentType);
    const parentScopes = this.typeScopes(parent);
    const options = { ...fieldConfig.pothosOptions } as Record<string, unknown>;
    if (parentScopes) options.skipTypeScopes = true;

    const target = this.delivered(fieldConfig.type);
    const needed = this.typeScopes(target);
    // A connection's or edge's own fields: the field that delivered the connection checked it.
    const plumbing = this.carried(parent)?.name === target.name;
    if (needed && !plumbing && !implies(parentScopes, needed)) {
      const own = options.authScopes as AuthScopeMap<Types> | ((...args: unknown[]) => unknown) | undefined;
      if (own === undefined) options.authScopes = needed;
      else if (typeof own === "function") {
        // A field's scopes that depend on its arguments or parent: combined with the type's each time they are computed.
        options.authScopes = (...args: unknown[]) =>
          completeValue(own(...args), (map) => (map === true ? needed : map === false ? false : this.allOf(map as ScopeMap, needed)));
      } else if (!implies(own, needed)) options.authScopes = this.allOf(own as ScopeMap, needed);
    }
    return { ...fieldConfig, pothosOptions: options } as PothosOutputFieldConfig<Types>;
  }

  override wrapResolve(resolver: Resolver<Types>, fieldConfig: PothosOutputFieldConfig<Types>): Resolver<Types> {
    // As scope-auth: a schema built with `disableScopeAuth` checks nothing.
    if ((this.options as { disableScopeAuth?: boolean }).disableScopeAuth) return resolver;
    let named = fieldConfig.type;
    let depth = 0;
    while (named.kind === "List") {
      named = named.type;
      depth += 1;
    }
    if (named.kind !== "Interface" && named.kind !== "Union") return resolver;
    const scoped = this.scopedPossibleTypes(this.buildCache.getTypeConfig(named.ref));
    if (scoped.size === 0) return resolver;
    const fieldError = (fieldConfig.pothosOptions as { unauthorizedError?: UnauthorizedErrorFn<Types, unknown, InputFieldMap> })
      .unauthorizedError;
    return (parent, args, context, info) => {
      const cache = RequestCache.fromContext(context, this.builder);
      const abstractType = getNamedType(info.returnType);
      const resolveType = (isAbstractType(abstractType) && abstractType.resolveType) || defaultTypeResolver;
      /** null when the object may be delivered, else the error to deliver in its place. */
      const refusal = (item: unknown): unknown => {
        if (item == null || item instanceof Error) return null;
        return completeValue(resolveType(item, context, info, abstractType as GraphQLAbstractType), (typeName) => {
          const scopes = typeof typeName === "string" ? scoped.get(typeName) : undefined;
          if (!scopes) return null;
          return completeValue(cache.evaluateScopeMap(scopes as AuthScopeMap<Types>, info), (failure) => {
            if (!failure) return null;
            const result = { message: `Not authorized to read fields for ${typeName}`, failure };
            const globalError = this.builder.options.scopeAuth?.unauthorizedError;
            const error = fieldError
              ? fieldError(parent, args as Record<string, unknown>, context, info, result)
              : globalError
                ? globalError(parent as object, context, info, result)
                : result.message;
            return typeof error === "string" ? new ForbiddenError(error, failure) : error;
          });
        });
      };
      /** A list's items (at any depth) each checked: a refused one is replaced by its error, null at its index. */
      const checkItems = (value: unknown, level: number): unknown => {
        if (level === 0) return completeValue(refusal(value), (error) => error ?? value);
        if (value == null || value instanceof Error || typeof value !== "object" || !(Symbol.iterator in value)) return value;
        const items = [...(value as Iterable<unknown>)].map((item) => checkItems(item, level - 1));
        return items.some(isThenable) ? Promise.all(items) : items;
      };
      return completeValue(resolver(parent, args, context, info), (value) =>
        depth > 0
          ? checkItems(value, depth)
          : // A single object: its refusal is the field's error.
            completeValue(refusal(value), (error) => {
              if (error) throw error;
              return value;
            }),
      );
    };
  }
}

SchemaBuilder.registerPlugin(pluginName, PothosTypeScopesPlugin);
