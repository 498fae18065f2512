// Who is calling: the personal API key of the Authorization header, and the
// rule that without one nothing runs, except introspection where it is public
// (INTROSPECTION=public, the default outside production: GraphiQL loads its
// docs before a key is pasted).
import { Kind, type DocumentNode, type OperationDefinitionNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { authenticateKey, type Principal } from "../auth/principal.js";
import { unauthenticated } from "../errors.js";
import type { Database } from "../db/client.js";
import type { Context } from "../context.js";

/** Reads `Authorization: Bearer <key>`; no header → null (introspection only); anything else bad → 401. */
export async function principalFor(request: Request, db: Database): Promise<Principal | null> {
  const header = request.headers.get("authorization");
  // No header, or GraphiQL's prefilled `Bearer ` with no key yet: no principal (introspection only).
  if (header === null || /^\s*Bearer\s*$/i.test(header)) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated("The Authorization header must be `Bearer <personal API key>`.");
  const result = await authenticateKey(db, match[1]);
  if (!result.ok) throw unauthenticated(result.reason);
  return result.principal;
}

function onlyIntrospection(document: DocumentNode, operationName?: string | null): boolean {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (op?.operation !== "query") return false;
  return op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith("__"));
}

export interface RequireKeyOptions {
  /** Lets introspection run without a key (INTROSPECTION=public). */
  keylessIntrospection: boolean;
}

/**
 * Refuses every operation of a request without a key (401 UNAUTHENTICATED),
 * but introspection when it is public. (A subscription without a key is
 * refused by its field, which needs the caller.)
 */
export function requireKeyPlugin(options: RequireKeyOptions): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (args.contextValue.principal) return;
      if (options.keylessIntrospection && onlyIntrospection(args.document, args.operationName)) return;
      setResultAndStopExecution({ errors: [unauthenticated()] });
    },
  };
}
