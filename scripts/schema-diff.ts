// `npm run schema:diff -- <git-ref> [--allow-breaking]`: compares
// schema.graphql at <git-ref> with the working tree's, printing breaking,
// dangerous and safe changes (graphql-inspector). Exits 1 on a breaking
// change unless --allow-breaking is given.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { diff, CriticalityLevel } from "@graphql-inspector/core";

const args = process.argv.slice(2);
const ref = args.find((a) => !a.startsWith("--"));
const allowBreaking = args.includes("--allow-breaking");
if (!ref) {
  console.error("Usage: npm run schema:diff -- <git-ref> [--allow-breaking]");
  process.exit(2);
}

let before: string;
try {
  before = execFileSync("git", ["show", `${ref}:schema.graphql`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
} catch {
  console.log(`No schema.graphql at ${ref}: nothing to compare.`);
  process.exit(0);
}
const changes = await diff(buildSchema(before), buildSchema(readFileSync("schema.graphql", "utf8")));
const groups = [
  ["Breaking", CriticalityLevel.Breaking],
  ["Dangerous", CriticalityLevel.Dangerous],
  ["Safe", CriticalityLevel.NonBreaking],
] as const;
console.log(`Schema changes since ${ref}: ${changes.length}`);
for (const [label, level] of groups) {
  const list = changes.filter((c) => c.criticality.level === level);
  if (!list.length) continue;
  console.log(`\n${label} (${list.length}):`);
  for (const c of list) console.log(`  - ${c.message}`);
}
const breaking = changes.some((c) => c.criticality.level === CriticalityLevel.Breaking);
if (breaking && !allowBreaking) {
  console.log("\nBreaking changes found (pass --allow-breaking to accept them).");
  process.exit(1);
}
