// Writes schema.graphql (lexicographically sorted SDL); `--check` only compares.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { printSchemaSDL } from "../src/schema/index.js";

const sdl = printSchemaSDL();
if (process.argv.includes("--check")) {
  const current = existsSync("schema.graphql") ? readFileSync("schema.graphql", "utf8") : "";
  if (current !== sdl) {
    console.error("schema.graphql is stale: run `npm run schema` and commit it.");
    process.exit(1);
  }
} else {
  writeFileSync("schema.graphql", sdl);
}
