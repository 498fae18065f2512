// `npm run build`: bundles the server (our TypeScript, the generated Prisma
// client) into one ES module, dist/server.mjs, that plain `node` runs. Why:
// loading ~100 TypeScript modules through tsx's loader hooks cost ~2 s of
// every start; one prebuilt file loads in a fraction of that. Dependencies
// stay in node_modules (`packages: "external"`).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

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
