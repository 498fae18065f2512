// Input bounded before anything walks it: the nesting of the document (before
// graphql-js's recursive parser) and of the variables (before coercion), and
// the size of the request body (yoga's maxRequestBodySize: Content-Length is
// checked before reading, a streamed body while it is read).
import type { Plugin } from "graphql-yoga";
import type { GraphQLError } from "graphql";
import { ErrorCode, apiError } from "../errors.js";
import { documentNestingDepth, jsonNestingDepth } from "../limits.js";

export interface InputBounds {
  /** How deeply brackets may nest in the document, and objects and arrays in the variables. */
  maxNesting: number;
  /** The largest request body in bytes (passed to yoga as maxRequestBodySize; named here for the error message). */
  maxRequestBytes: number;
}

/** yoga's own code for a body over maxRequestBodySize. */
const YOGA_TOO_LARGE_CODE = "REQUEST_ENTITY_TOO_LARGE";

export function inputBoundsPlugin(bounds: InputBounds): Plugin {
  const { maxNesting } = bounds;
  return {
    onParams({ params }) {
      if (typeof params.query === "string" && documentNestingDepth(params.query, maxNesting) > maxNesting) {
        throw apiError(
          ErrorCode.QUERY_TOO_COMPLEX,
          `The document nests brackets (selections, arguments, lists, objects) more than ${maxNesting} levels deep; ` +
            `the limit is ${maxNesting}.`,
          { limit: maxNesting },
          400,
        );
      }
      for (const [name, value] of [
        ["variables", params.variables],
        ["extensions", params.extensions],
      ] as const) {
        // `variables` itself is the first level: a variable holding {"a": 1} nests 2 levels.
        if (value && typeof value === "object" && jsonNestingDepth(value, maxNesting) > maxNesting) {
          throw apiError(
            ErrorCode.BAD_USER_INPUT,
            `The request's ${name} nest objects and arrays more than ${maxNesting} levels deep; the limit is ${maxNesting}.`,
            { limit: maxNesting },
            400,
          );
        }
      }
    },
    onResultProcess({ result, setResult }) {
      // yoga refuses an over-large body with its own code; give it ours and say the limit.
      if (Array.isArray(result) || !("errors" in result) || !Array.isArray(result.errors)) return;
      const errors = result.errors as readonly GraphQLError[];
      if (!errors.some((e) => e?.extensions?.code === YOGA_TOO_LARGE_CODE)) return;
      setResult({
        ...result,
        errors: errors.map((e) =>
          e?.extensions?.code === YOGA_TOO_LARGE_CODE
            ? apiError(
                ErrorCode.PAYLOAD_TOO_LARGE,
                `The request body is larger than the limit of ${bounds.maxRequestBytes} bytes.`,
                { limit: bounds.maxRequestBytes },
                413,
              )
            : e,
        ),
      });
    },
  };
}
