// How operations execute. Queries run through graphql-jit: the first time a
// query document is seen it is compiled into a JavaScript function (cached by
// document), which resolves a large nested read with far less CPU and garbage
// than the interpreting executor (see README, "Benchmark"). Mutations and
// subscriptions keep graphql-js semantics exactly, through yoga's executor.
// Compiled functions are kept per parsed document (a WeakMap), and yoga's parse
// cache holds at most 1,024 documents for an hour, so their memory stays
// bounded; a document is compiled again only after it left that cache.
//
// Two places where graphql-jit departs from graphql-js, and what we do:
// - Bad variables: graphql-jit reports them as an internal error. The
//   variables of every query are therefore coerced by graphql-js first, and a
//   bad one is answered as graphql-js answers it (400, BAD_USER_INPUT).
// - A variable that is not provided, used inside an input object literal:
//   graphql-js leaves the field out, graphql-jit passes null. Only mutations
//   tell "left out" (keep) from null (clear), and they do not run here.
//
// Keep Pothos scope-auth's default of checking type scopes on each field: its
// `runScopesOnType` moves them into `isTypeOf`, which Pothos documents as not
// working under graphql-jit (it does not pass the context to `isTypeOf`).
import { useGraphQlJit } from "@envelop/graphql-jit";
import { getOperationAST, getVariableValues, type ExecutionArgs } from "graphql";
import type { Plugin } from "graphql-yoga";

const isQuery = (args: ExecutionArgs) => getOperationAST(args.document, args.operationName)?.operation === "query";

/** Answers a query whose variables do not coerce exactly as graphql-js does, before the compiled executor sees them. */
function queryVariablesPlugin(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== "query" || !operation.variableDefinitions?.length) return;
      const { errors } = getVariableValues(args.schema, operation.variableDefinitions, args.variableValues ?? {});
      if (errors) setResultAndStopExecution({ errors });
    },
  };
}

/** Compiled execution for queries (order matters: variables are checked before the compiled executor runs). */
export function executionPlugins(): Plugin[] {
  return [queryVariablesPlugin(), useGraphQlJit({}, { enableIf: isQuery }) as Plugin];
}
