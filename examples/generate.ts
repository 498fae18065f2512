// Runs the codegen of codegen.ts programmatically (what `npm run codegen`
// does through the CLI) and writes examples/gql/ safely for concurrent
// callers: a file is replaced atomically (write to a temporary name, rename)
// and only when its content changed, so a test process never reads a
// half-written file while another one regenerates.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "@graphql-codegen/cli";
import config from "../codegen.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const GENERATED_DIR = join(ROOT, "examples/gql");
export const MANIFEST_PATH = join(GENERATED_DIR, "persisted-documents.json");

/** Generates examples/gql/; returns the files it wrote (those whose content changed). */
export async function generateExamples(): Promise<string[]> {
  const outputs: { filename: string; content: string }[] = await generate({ ...config, cwd: ROOT, silent: true }, false);
  const written: string[] = [];
  for (const { filename, content } of outputs) {
    const path = isAbsolute(filename) ? filename : join(ROOT, filename);
    let current: string | undefined;
    try {
      current = readFileSync(path, "utf8");
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temporary, content);
    renameSync(temporary, path);
    written.push(path);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = await generateExamples();
  console.log(written.length ? `Wrote ${written.map((f) => f.slice(ROOT.length + 1)).join(", ")}` : "examples/gql/ is up to date");
}
