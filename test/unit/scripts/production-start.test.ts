// `npm start` is how production runs the server, and the benchmark starts the API the same way: both take their node
// flags from PRODUCTION_NODE_FLAGS (scripts/build.ts), so a flag changed in one place and not the other fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PRODUCTION_NODE_FLAGS } from "../../../scripts/build.js";

const packageJson = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  scripts: Record<string, string>;
};

describe("the production start command", () => {
  it("runs the bundle with exactly PRODUCTION_NODE_FLAGS", () => {
    expect(packageJson.scripts.start).toBe(`npm run -s build && node ${PRODUCTION_NODE_FLAGS.join(" ")} dist/server.mjs`);
  });

  it("bounds the old space loosely: a limit V8 reads as memory-constrained (< 2 GB), far above the live heap", () => {
    const limitMb = Number(/^--max-old-space-size=(\d+)$/.exec(PRODUCTION_NODE_FLAGS[0])?.[1]);
    expect(limitMb).toBeGreaterThanOrEqual(512);
    expect(limitMb).toBeLessThan(2048);
  });
});
