// Fields every connection type carries besides edges, nodes and pageInfo.
import { builder } from "./builder.js";

builder.globalConnectionField("totalCount", (t) =>
  t.int({
    description: "How many items the whole list holds (with the same filters), not just this page.",
    resolve: (connection) => connection.totalCount,
  }),
);
