// Token actions on a project (its primary environment): reset the public
// token, rotate the secret into the backup slot, delete the backup, generate
// the conversations widget token. Admins only; secrets logged only masked.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { generateToken, maskToken, TOKEN_PREFIX } from "../../src/auth/tokens.js";
import { helpers, MASKED_SECRET, MembershipLevel, projectGid, PUBLIC_TOKEN, SECRET_TOKEN, USER_ERRORS } from "./support.js";

const t = await setupTestApp();
const h = helpers(t);
const prisma = h.prisma;

const member = await h.userAt(MembershipLevel.MEMBER);
const admin = await h.userAt(MembershipLevel.ADMIN);

const TOKENS = `project { databaseId apiToken secretApiToken secretApiTokenBackup conversationsSettings }`;
const RESET = `mutation($input: ResetProjectTokenInput!) { resetProjectToken(input: $input) { ${TOKENS} ${USER_ERRORS} } }`;
const ROTATE = `mutation($input: RotateProjectSecretTokenInput!) { rotateProjectSecretToken(input: $input) { ${TOKENS} ${USER_ERRORS} } }`;
const DELETE_BACKUP = `mutation($input: DeleteProjectSecretTokenBackupInput!) { deleteProjectSecretTokenBackup(input: $input) { ${TOKENS}
  ${USER_ERRORS} } }`;
const CONVERSATIONS = `mutation($input: GenerateProjectConversationsPublicTokenInput!) {
  generateProjectConversationsPublicToken(input: $input) { ${TOKENS} ${USER_ERRORS} } }`;

const envRow = (id: number) => prisma.environment.findUniqueOrThrow({ where: { id } });
const changesOf = (entry: { detail: unknown }) =>
  (entry.detail as { changes: { field: string; before: unknown; after: unknown; action: string; type: string }[] }).changes;

describe("resetProjectToken", () => {
  it("replaces the public token; the old one is gone; one entry logs before and after", async () => {
    const p = await h.project();
    const old = p.environment.apiToken;
    const { resetProjectToken } = await h.ok(RESET, { input: { id: projectGid(p.project.id) } });
    expect(resetProjectToken.userErrors).toEqual([]);
    const fresh = resetProjectToken.project.apiToken;
    expect(fresh).toMatch(PUBLIC_TOKEN);
    expect(fresh).not.toBe(old);
    expect((await envRow(p.project.id)).apiToken).toBe(fresh);
    expect(await prisma.environment.count({ where: { apiToken: old } })).toBe(0);
    // the secret is untouched
    expect(resetProjectToken.project.secretApiToken).toBe(p.environment.secretApiToken);
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ activity: "updated", scope: "Project", itemId: String(p.project.id), userId: t.owner.id });
    expect(changesOf(entries[0])).toEqual([{ type: "Project", action: "changed", field: "apiToken", before: old, after: fresh }]);
  });
});

describe("rotateProjectSecretToken", () => {
  it("moves the secret to the backup slot, issues a new one, and discards an older backup", async () => {
    const p = await h.project();
    const first = p.environment.secretApiToken!;
    const r1 = (await h.ok(ROTATE, { input: { id: String(p.project.id) } })).rotateProjectSecretToken;
    expect(r1.userErrors).toEqual([]);
    const second = r1.project.secretApiToken;
    expect(second).toMatch(SECRET_TOKEN);
    expect(second).not.toBe(first);
    expect(r1.project.secretApiTokenBackup).toBe(first);
    expect(r1.project.apiToken).toBe(p.environment.apiToken);

    const r2 = (await h.ok(ROTATE, { input: { id: String(p.project.id) } }, admin.key)).rotateProjectSecretToken;
    const third = r2.project.secretApiToken;
    expect(third).toMatch(SECRET_TOKEN);
    expect(r2.project.secretApiTokenBackup).toBe(second);
    const row = await envRow(p.project.id);
    expect(row).toMatchObject({ secretApiToken: third, secretApiTokenBackup: second });
    // the first secret is no longer stored anywhere
    expect(await prisma.environment.count({ where: { OR: [{ secretApiToken: first }, { secretApiTokenBackup: first }] } })).toBe(0);
  });

  it("logs one entry per rotation with the secrets masked only", async () => {
    const p = await h.project();
    const first = p.environment.secretApiToken!;
    const { rotateProjectSecretToken } = await h.ok(ROTATE, { input: { id: String(p.project.id) } });
    const second = rotateProjectSecretToken.project.secretApiToken;
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(1);
    const changes = changesOf(entries[0]);
    expect(changes).toEqual([
      { type: "Project", action: "changed", field: "secretApiToken", before: maskToken(first), after: maskToken(second) },
      { type: "Project", action: "changed", field: "secretApiTokenBackup", before: null, after: maskToken(first) },
    ]);
    for (const c of changes) for (const v of [c.before, c.after]) if (v !== null) expect(v).toMatch(MASKED_SECRET);
    expect(maskToken(first)).toBe(`phs_...${first.slice(-4)}`);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(first);
    expect(text).not.toContain(second);
    // and the activity field shows them masked too
    const { project } = await h.ok(
      `query($id: ID!) { project(id: $id) { activity { nodes { detail { changes { field before after } } } } } }`,
      { id: String(p.project.id) },
    );
    expect(JSON.stringify(project)).not.toContain(first.slice(4, -4));
    expect(project.activity.nodes[0].detail.changes[0]).toEqual({
      field: "secretApiToken",
      before: maskToken(first),
      after: maskToken(second),
    });
  });
});

describe("deleteProjectSecretTokenBackup", () => {
  it("clears the backup and logs it masked; without a backup it succeeds and logs nothing", async () => {
    const p = await h.project();
    const first = p.environment.secretApiToken!;
    await h.ok(ROTATE, { input: { id: String(p.project.id) } });
    const { deleteProjectSecretTokenBackup } = await h.ok(DELETE_BACKUP, { input: { id: String(p.project.id) } });
    expect(deleteProjectSecretTokenBackup.userErrors).toEqual([]);
    expect(deleteProjectSecretTokenBackup.project.secretApiTokenBackup).toBeNull();
    expect((await envRow(p.project.id)).secretApiTokenBackup).toBeNull();
    let entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(2);
    expect(changesOf(entries[1])).toEqual([
      { type: "Project", action: "changed", field: "secretApiTokenBackup", before: maskToken(first), after: null },
    ]);

    const again = (await h.ok(DELETE_BACKUP, { input: { id: String(p.project.id) } })).deleteProjectSecretTokenBackup;
    expect(again.userErrors).toEqual([]);
    expect(again.project.secretApiTokenBackup).toBeNull();
    entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(2);
  });
});

describe("generateProjectConversationsPublicToken", () => {
  it("sets a fresh phc_ widget token each time, keeping the other conversations settings", async () => {
    const p = await h.project({ conversationsSettings: { greeting: "Hello" } });
    const g1 = (await h.ok(CONVERSATIONS, { input: { id: String(p.project.id) } })).generateProjectConversationsPublicToken;
    expect(g1.userErrors).toEqual([]);
    const token1 = g1.project.conversationsSettings.widget_public_token;
    expect(token1).toMatch(PUBLIC_TOKEN);
    expect(g1.project.conversationsSettings.greeting).toBe("Hello");
    const g2 = (await h.ok(CONVERSATIONS, { input: { id: String(p.project.id) } })).generateProjectConversationsPublicToken;
    const token2 = g2.project.conversationsSettings.widget_public_token;
    expect(token2).toMatch(PUBLIC_TOKEN);
    expect(token2).not.toBe(token1);
    expect(((await envRow(p.project.id)).settings as any).conversationsSettings).toEqual({
      greeting: "Hello",
      widget_public_token: token2,
    });
    const entries = await h.activityOf({ projectId: p.project.id });
    expect(entries).toHaveLength(2);
    expect(changesOf(entries[1])).toEqual([
      {
        type: "Project",
        action: "changed",
        field: "conversationsSettings",
        before: { greeting: "Hello", widget_public_token: token1 },
        after: { greeting: "Hello", widget_public_token: token2 },
      },
    ]);
  });
});

describe("who may use the token actions", () => {
  it.each([
    ["resetProjectToken", RESET],
    ["rotateProjectSecretToken", ROTATE],
    ["deleteProjectSecretTokenBackup", DELETE_BACKUP],
    ["generateProjectConversationsPublicToken", CONVERSATIONS],
  ])("%s: a member is FORBIDDEN, a project:read key is FORBIDDEN, and nothing changes", async (_name, mutation) => {
    const p = await h.project();
    await prisma.environment.update({
      where: { id: p.project.id },
      data: { secretApiTokenBackup: generateToken(TOKEN_PREFIX.secretProject) },
    });
    const readOnly = await t.fixtures.key(t.owner.id, ["project:read"]);
    const before = await h.everything();
    await h.fails("FORBIDDEN", mutation, { input: { id: String(p.project.id) } }, member.key);
    await h.fails("FORBIDDEN", mutation, { input: { id: String(p.project.id) } }, readOnly);
    expect(await h.everything()).toBe(before);
  });

  it.each([
    ["resetProjectToken", RESET],
    ["rotateProjectSecretToken", ROTATE],
    ["deleteProjectSecretTokenBackup", DELETE_BACKUP],
    ["generateProjectConversationsPublicToken", CONVERSATIONS],
  ])("%s: an unknown or deleted project is NOT_FOUND", async (_name, mutation) => {
    const p = await h.project();
    await prisma.project.update({ where: { id: p.project.id }, data: { isPendingDeletion: true } });
    const before = await h.everything();
    await h.fails("NOT_FOUND", mutation, { input: { id: String(p.project.id) } });
    await h.fails("NOT_FOUND", mutation, { input: { id: "garbage" } });
    expect(await h.everything()).toBe(before);
  });
});
