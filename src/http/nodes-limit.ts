// `nodes(ids:)` takes at most a page's worth of ids, checked before execution
// (whether the ids come inline or in a variable).
import {
  Kind,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { MAX_PAGE_SIZE } from "../schema/connections.js";
import { ErrorCode, apiError } from "../errors.js";
import type { Context } from "../context.js";

/** The root fields named `name` an operation selects (through fragments too). */
function rootFieldsNamed(document: DocumentNode, selectionSet: SelectionSetNode, name: string, seen = new Set<string>()): FieldNode[] {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const found: FieldNode[] = [];
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === name) found.push(s);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet);
      } else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return found;
}

export const MAX_NODES_IDS = MAX_PAGE_SIZE;

/** Refuses `nodes(ids:)` with more than 100 ids (whether given inline or in a variable) before anything runs. */
export function nodesLimitPlugin(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const field = args.schema.getQueryType()?.getFields().nodes;
      if (operation?.operation !== "query" || !field) return;
      const selections = rootFieldsNamed(args.document, operation.selectionSet, "nodes");
      if (!selections.length) return;
      const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      if (variables.errors) return; // execution reports them
      for (const selection of selections) {
        let ids: unknown;
        try {
          ids = getArgumentValues(field, selection, variables.coerced).ids;
        } catch {
          continue; // execution reports it
        }
        if (Array.isArray(ids) && ids.length > MAX_NODES_IDS) {
          const error = apiError(
            ErrorCode.BAD_USER_INPUT,
            `\`nodes\` takes at most ${MAX_NODES_IDS} ids; got ${ids.length}.`,
            { argument: "ids" },
            400,
          );
          setResultAndStopExecution({ errors: [error] });
          return;
        }
      }
    },
  };
}
