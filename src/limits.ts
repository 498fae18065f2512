// Every request is bounded before it runs: depth, aliases, directives and
// tokens (graphql-armor), and a cost like GitHub's (each connection
// multiplies what it selects by its `first`/`last`), computed from the
// document and variables during validation, before authentication or any
// SQL. Successful responses report their cost in `extensions.cost`.
import type { Plugin } from "graphql-yoga";
import { GraphQLError, validate, type DocumentNode, type ValidationContext } from "graphql";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { createComplexityRule } from "@pothos/plugin-complexity";
import { ErrorCode } from "./errors.js";

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
}

const COST = Symbol("query cost");
type WithCost = { [COST]?: number };

/** The cost computed for this request's context during validation; undefined when it could not be (bad variables). */
export function requestCost(context: object): number | undefined {
  return (context as WithCost)[COST];
}

/** The error of a request over the cost limit. */
const tooComplex = (cost: number, maxCost: number) =>
  new GraphQLError(
    `This request would cost ${cost}, over the limit of ${maxCost}. Ask for fewer items (lower \`first\`/\`last\`) or split the request.`,
    { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, cost: { requested: cost, limit: maxCost }, http: { status: 400 } } },
  );

/**
 * The costs computed for a parsed document, by operation name and variables. A cost depends on nothing else (the
 * complexity options read only arguments), and walking the document again costs ~0.2 ms of a nested read's ~10.
 * Documents are yoga's cached parses (bounded, src/cache/): an entry goes with its document.
 */
const knownCosts = new WeakMap<DocumentNode, Map<string, number>>();
/** Per document, at most this many variable sets are remembered (then it starts over). */
const COSTS_PER_DOCUMENT = 32;
/** Variables longer than this (as JSON) are not worth remembering: the cost is computed again. */
const MAX_COST_KEY = 2048;

/** Notes a document's cost for these operation name and variables (`key`). */
function remember(document: DocumentNode, key: string, cost: number): void {
  let costs = knownCosts.get(document);
  if (!costs) {
    costs = new Map();
    knownCosts.set(document, costs);
  }
  if (costs.size >= COSTS_PER_DOCUMENT) costs.clear();
  costs.set(key, cost);
}

/**
 * The cost-limit plugin. It runs after graphql-js's own validation succeeded
 * (so a wrong literal or variable is still answered by graphql-js with its
 * usual code), computes the cost with Pothos's complexity rule (once per
 * document, operation and variables), refuses an over-limit request, and
 * reports the cost of the others.
 */
function costPlugin(maxCost: number): Plugin {
  return {
    onValidate({ params, context }) {
      const ctx = context as WithCost & { params?: { variables?: Record<string, unknown>; operationName?: string } };
      return ({ valid, result, setResult }) => {
        if (!valid) return;
        const variables = ctx.params?.variables ?? {};
        const operationName = ctx.params?.operationName;
        const key = `${operationName ?? ""}\u0000${JSON.stringify(variables)}`;
        let cost = key.length <= MAX_COST_KEY ? knownCosts.get(params.documentAST)?.get(key) : undefined;
        if (cost === undefined) {
          const rule = createComplexityRule({
            context: ctx,
            variableValues: variables,
            operationName,
            validate: (computed) => {
              cost = computed.complexity;
            },
          });
          try {
            validate(params.schema, params.documentAST, [rule]);
          } catch {
            // Only bad variable values make the rule throw; execution answers them (BAD_USER_INPUT).
            return;
          }
          if (cost === undefined) return;
          if (key.length <= MAX_COST_KEY) remember(params.documentAST, key, cost);
        }
        ctx[COST] = cost;
        if (cost > maxCost) setResult([...result, tooComplex(cost, maxCost)]);
      };
    },
    onExecute({ args }) {
      const cost = (args.contextValue as WithCost)[COST];
      return {
        onExecuteDone({ result, setResult }) {
          if (cost === undefined || !result) return;
          const withCost = (plain: { extensions?: Record<string, unknown> }) =>
            ({ ...plain, extensions: { ...plain.extensions, cost: { requested: cost, limit: maxCost } } }) as never;
          if (!(Symbol.asyncIterator in (result as object))) {
            setResult(withCost(result as object));
            return;
          }
          // Incremental delivery (@defer/@stream): the initial payload reports the cost of the whole operation.
          let first = true;
          return {
            onNext({ result: payload, setResult: setPayload }) {
              if (first) setPayload(withCost(payload as object));
              first = false;
            },
          };
        },
      };
    },
  };
}

export function limitPlugins(limits: Limits): Plugin[] {
  // The token limit runs in the parser: its error is thrown, and yoga answers it as a parse error.
  const parseArmor = { exposeLimits: true, propagateOnRejection: true };
  // The other limits are validation rules: a rule that throws escapes validation and is answered
  // as a fault (200, INTERNAL_SERVER_ERROR). Reported as validation errors instead, they are
  // answered like any other refused document (400, QUERY_TOO_COMPLEX; see app.ts).
  const ruleArmor = {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  return [
    maxTokensPlugin({ n: limits.maxTokens, ...parseArmor }) as Plugin,
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...ruleArmor }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases, ...ruleArmor }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives, ...ruleArmor }) as Plugin,
    costPlugin(limits.maxCost),
  ];
}

/** graphql-armor's rejections ("... limit of N exceeded ...") are limit errors, not syntax errors. */
export function isLimitError(message: string): boolean {
  return /limit of \d+ exceeded/.test(message);
}

/**
 * How deeply `(`, `[` and `{` nest in a GraphQL document, counting until the
 * depth passes `stopAbove`. A linear scan that skips strings, block strings
 * and comments: it runs before graphql-js's parser, which recurses once per
 * level and overflows the stack on a list literal a few thousand levels deep
 * (well under MAX_TOKENS).
 */
export function documentNestingDepth(document: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < document.length; i += 1) {
    const c = document.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < document.length && document[i] !== "\n" && document[i] !== "\r") i += 1;
    } else if (c === 0x22 /* " */) {
      if (document.startsWith('"""', i)) {
        // A block string ends at the next """ not escaped as \""".
        i += 3;
        while (i < document.length && !document.startsWith('"""', i)) i += document.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i += 1;
        while (i < document.length && document[i] !== '"' && document[i] !== "\n" && document[i] !== "\r")
          i += document[i] === "\\" ? 2 : 1;
      }
    } else if (c === 0x28 /* ( */ || c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if ((c === 0x29 /* ) */ || c === 0x5d /* ] */ || c === 0x7d) /* } */ && depth > 0) {
      depth -= 1;
    }
  }
  return deepest;
}

/**
 * How deeply arrays and objects nest in a JSON value (a scalar is 0, `{}` and
 * `[1]` are 1), counting until the depth passes `stopAbove`. Iterative: the
 * value may be far deeper than the stack allows recursing.
 */
export function jsonNestingDepth(value: unknown, stopAbove = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    const level = depth + 1;
    if (level > deepest) {
      deepest = level;
      if (deepest > stopAbove) return deepest;
    }
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === "object") stack.push([child, level]);
    }
  }
  return deepest;
}
