// Summarizes a sampling heap profile (PROFILE_HEAP=1): bytes allocated by function and by package.
import { readFileSync } from "node:fs";
const { head } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const fn = new Map(),
  pkg = new Map();
let total = 0;
const walk = (node) => {
  const f = node.callFrame;
  const bytes = node.selfSize;
  total += bytes;
  const url = f.url || "(native)";
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  const p = m ? m[1] : url.includes("/src/") ? `src/${url.split("/src/")[1].split("/")[0]}` : url.startsWith("node:") ? "node:" : "other";
  pkg.set(p, (pkg.get(p) ?? 0) + bytes);
  const k = `${f.functionName || "(anon)"} ${url.split("/").slice(-2).join("/")}:${f.lineNumber}`;
  fn.set(k, (fn.get(k) ?? 0) + bytes);
  for (const child of node.children) walk(child);
};
walk(head);
const top = (m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${(v / 1048576).toFixed(1).padStart(8)} MB ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join("\n");
console.log(`sampled live ${(total / 1048576).toFixed(1)} MB\n--- by package\n${top(pkg, 20)}\n--- by function\n${top(fn, 30)}`);
