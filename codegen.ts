// GraphQL Code Generator: typed documents for the example client
// (examples/operations/*.graphql → examples/gql/), checked against
// schema.graphql, plus the trusted-documents manifest the server's
// persisted-operations mode reads (examples/gql/persisted-documents.json:
// sha256 hash → document). `npm run codegen` runs it; examples/gql/ is
// generated, not committed.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["examples/operations/*.graphql"],
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false, // `./graphql.js` imports, as NodeNext ESM needs
  generates: {
    "examples/gql/": {
      preset: "client",
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { mode: "embedHashInDocument", hashAlgorithm: "sha256" },
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: {
          DateTime: "string",
          JSON: "unknown",
          UUID: "string",
        },
      },
    },
  },
};

export default config;
