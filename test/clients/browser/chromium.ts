// Headless Chromium for browser tests: Debian's `chromium` package (or another
// Chromium/Chrome binary on the machine) driven by playwright-core, which never
// downloads a browser of its own.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Where a Chromium may be: $CHROMIUM_PATH when set (and then only there), else the usual binaries. */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome"];

export function findChromium(): string | null {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return existsSync(explicit) ? explicit : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** CI=true (or 1, yes): a missing Chromium is a failure there, not a skip. */
export function inCI(): boolean {
  return /^(1|true|yes)$/i.test(process.env.CI ?? "");
}

/**
 * The flags this machine needs (root, no GPU, closed network), and one that makes
 * any host but the loopback fail to resolve: the page cannot reach a CDN even by
 * accident (the test still records and fails on any such request).
 * playwright gives every launch a fresh, empty --user-data-dir.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}
