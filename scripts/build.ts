// `npm run build`: bundles the server (our TypeScript, the generated Prisma
// client) into one ES module, dist/server.mjs, that plain `node` runs. Why:
// loading ~100 TypeScript modules through tsx's loader hooks cost ~2 s of
// every start; one prebuilt file loads in a fraction of that. Dependencies
// stay in node_modules (`packages: "external"`).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

/**
 * The flags production runs the bundle with (`npm start`; the benchmark starts the API with them too; a unit test holds
 * package.json's start script to them). `--max-old-space-size=1024` is not a bound the server comes near (its live
 * heap is ~40 MB; a nested read under load keeps ~100 MB alive): V8 takes a heap limit under 2 GB as a sign of a
 * memory-constrained host and then grows the heap after a full collection to at most ~1.6x what survived it instead of
 * up to 4x (V8's heap-controller MaxGrowingFactor). Measured (`bench/memory.ts --nested 800 --concurrency 16`): RSS
 * after the nested read 245-271 MB -> 186-202 MB, after 2,000 more documents 274-289 -> 183-190 MB, at the same CPU
 * per request (13.0-14.6 ms vs 13.4-14.9); tighter limits (384-768 MB) cost 10-20 % more CPU for little less RSS.
 */
export const PRODUCTION_NODE_FLAGS = ["--max-old-space-size=1024"] as const;

/** Bundles one entry point the way production runs it (the benchmark builds its baseline the same way). */
export async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle("src/server.ts", "dist/server.mjs");
