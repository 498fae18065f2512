// Issue 12, "nothing lost": concurrent token rotations and resets on one
// project form one chain. Each rotation's backup is the secret the previous
// rotation issued (each reset's "before" is the token the previous reset
// issued), the activity log holds one entry per call in that same chain, and
// the stored tokens are the chain's end.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { maskToken } from "../../src/auth/tokens.js";
import { helpers, projectGid, PUBLIC_TOKEN, SECRET_TOKEN } from "../projects/support.js";
import { all, changeOf, expectNoFaults, outcomes, payloads, told, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const TOKENS = `project { databaseId apiToken secretApiToken secretApiTokenBackup }`;
const ROTATE = `mutation($input: RotateProjectSecretTokenInput!) { rotateProjectSecretToken(input: $input) { ${TOKENS} ${USER_ERRORS} } }`;
const RESET = `mutation($input: ResetProjectTokenInput!) { resetProjectToken(input: $input) { ${TOKENS} ${USER_ERRORS} } }`;

const envRow = (id: number) => prisma.environment.findUniqueOrThrow({ where: { id } });

/** The project's "updated" activity entries in insertion (commit) order. */
const entriesOf = (projectId: number) =>
  prisma.activityLog.findMany({ where: { projectId, scope: "Project", activity: "updated" }, orderBy: { seq: "asc" } });

type Entry = Awaited<ReturnType<typeof entriesOf>>[number];

/**
 * Where the rotation entries break the chain, starting from the masked secret
 * and backup the project had: each entry's secret "before" is the previous
 * entry's "after", and its backup goes from the previous backup to that secret.
 */
function secretChainBreaks(entries: Entry[], secret: string | null, backup: string | null): string[] {
  const breaks: string[] = [];
  let current = maskToken(secret);
  let previousBackup = maskToken(backup);
  entries.forEach((entry, i) => {
    const s = changeOf(entry, "secretApiToken");
    const b = changeOf(entry, "secretApiTokenBackup");
    if (!s) {
      breaks.push(`#${i}: no secretApiToken change`);
      return;
    }
    const wrong: string[] = [];
    if (s.before !== current) wrong.push(`secret before ${s.before}, but the previous rotation issued ${current}`);
    if (!b || b.after !== current || b.before !== previousBackup)
      wrong.push(`backup ${b?.before}→${b?.after}, expected ${previousBackup}→${current}`);
    if (wrong.length) breaks.push(`#${i}: ${wrong.join("; ")}`);
    previousBackup = current;
    current = s.after as string;
  });
  return breaks;
}

/** Where the reset entries break the chain: each "before" is the token the previous reset issued. */
function publicChainBreaks(entries: Entry[], token: string): string[] {
  const breaks: string[] = [];
  let current: unknown = token;
  entries.forEach((entry, i) => {
    const c = changeOf(entry, "apiToken");
    if (!c) {
      breaks.push(`#${i}: no apiToken change`);
      return;
    }
    if (c.before !== current) breaks.push(`#${i}: before ${c.before}, but the previous reset issued ${current}`);
    current = c.after;
  });
  return breaks;
}

/** Runs `rounds` rounds of `n` calls at once; returns every response. */
async function rounds(n: number, count: number, query: string, id: string) {
  const results = [];
  for (let r = 0; r < count; r += 1) results.push(...(await all(n, () => t.gql(query, { input: { id } }))));
  return results;
}

async function checkRotations(n: number, count: number) {
  const p = await h.project();
  const calls = n * count;
  const results = await rounds(n, count, ROTATE, projectGid(p.project.id));
  expectNoFaults(results);
  const list = payloads(results, "rotateProjectSecretToken");
  const o = outcomes(list);
  expect.soft(o, `of ${calls} rotations: ${told(o)}`).toEqual({ ok: calls, codes: [], missing: 0 });

  const entries = await entriesOf(p.project.id);
  expect.soft(entries.length, "activity entries").toBe(calls);
  const breaks = secretChainBreaks(entries, p.environment.secretApiToken, p.environment.secretApiTokenBackup);
  expect
    .soft(breaks, `${breaks.length} of ${entries.length} rotation entries break the chain; first: ${breaks.slice(0, 3).join(" | ")}`)
    .toEqual([]);

  // The stored tokens are the chain's end: the last issued secret, and as backup the one current just before it.
  const row = await envRow(p.project.id);
  const last = entries.at(-1);
  expect.soft(maskToken(row.secretApiToken), "stored secret = the last rotation's").toBe(changeOf(last!, "secretApiToken")?.after);
  expect
    .soft(maskToken(row.secretApiTokenBackup), "stored backup = the secret current before the last rotation")
    .toBe(changeOf(last!, "secretApiToken")?.before);
  expect.soft(row.secretApiToken).toMatch(SECRET_TOKEN);

  // Every payload shows a state the chain went through: its backup is the secret its secret replaced.
  const states = new Set(entries.map((e) => `${changeOf(e, "secretApiToken")?.after}<-${changeOf(e, "secretApiToken")?.before}`));
  const strange = list
    .filter((pl) => pl?.project)
    .map((pl) => `${maskToken(pl.project.secretApiToken)}<-${maskToken(pl.project.secretApiTokenBackup)}`)
    .filter((s) => !states.has(s));
  expect.soft(strange, `${strange.length} payloads show a secret/backup pair that is no rotation of the chain`).toEqual([]);
}

async function checkResets(n: number, count: number) {
  const p = await h.project();
  const calls = n * count;
  const results = await rounds(n, count, RESET, projectGid(p.project.id));
  expectNoFaults(results);
  const list = payloads(results, "resetProjectToken");
  const o = outcomes(list);
  expect.soft(o, `of ${calls} resets: ${told(o)}`).toEqual({ ok: calls, codes: [], missing: 0 });

  const entries = await entriesOf(p.project.id);
  expect.soft(entries.length, "activity entries").toBe(calls);
  const breaks = publicChainBreaks(entries, p.environment.apiToken);
  expect
    .soft(breaks, `${breaks.length} of ${entries.length} reset entries break the chain; first: ${breaks.slice(0, 3).join(" | ")}`)
    .toEqual([]);
  const issued = entries.map((e) => changeOf(e, "apiToken")?.after);
  expect.soft(new Set(issued).size, "distinct tokens issued").toBe(entries.length);

  const row = await envRow(p.project.id);
  expect.soft(row.apiToken, "stored token = the last reset's").toBe(issued.at(-1));
  expect.soft(row.apiToken).toMatch(PUBLIC_TOKEN);
  // Every payload's token is one the chain issued.
  const unknown = list.filter((pl) => pl?.project && !issued.includes(pl.project.apiToken)).length;
  expect.soft(unknown, "payloads with a token no reset issued").toBe(0);
}

describe("rotateProjectSecretToken at once", () => {
  it("100 concurrent rotations form one chain (log, backups, stored tokens)", async () => {
    await checkRotations(100, 1);
  });

  it("2 concurrent rotations, 20 times over, form one chain", async () => {
    await checkRotations(2, 20);
  });
});

describe("resetProjectToken at once", () => {
  it("100 concurrent resets form one chain (log and stored token)", async () => {
    await checkResets(100, 1);
  });

  it("2 concurrent resets, 20 times over, form one chain", async () => {
    await checkResets(2, 20);
  });
});
