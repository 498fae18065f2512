// Summarizes a .cpuprofile: self time by function and by package (top N).
import { readFileSync } from "node:fs";
const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i += 1) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
const fn = new Map(),
  pkg = new Map();
let total = 0;
for (const [id, us] of self) {
  const { callFrame: f } = byId.get(id);
  total += us;
  const url = f.url || "(native)";
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  const p = m
    ? m[1]
    : url.includes("/src/")
      ? `src/${url.split("/src/")[1].split("/")[0]}`
      : url.startsWith("node:")
        ? "node:"
        : f.functionName.startsWith("(")
          ? f.functionName
          : "other";
  pkg.set(p, (pkg.get(p) ?? 0) + us);
  const k = `${f.functionName || "(anon)"} ${url.split("/").slice(-2).join("/")}:${f.lineNumber}`;
  fn.set(k, (fn.get(k) ?? 0) + us);
}
const top = (m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join("\n");
console.log(`total ${(total / 1000).toFixed(0)} ms\n--- by package\n${top(pkg, 25)}\n--- by function\n${top(fn, 40)}`);
