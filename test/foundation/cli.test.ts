// The operator CLI: usage errors exit 2 with a message and change nothing;
// failures exit 1; keys it creates authenticate, and revoked ones do not.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { cliOn } from "../helpers/cli.js";

const t = await setupTestApp();

const cli = cliOn(t.db);

async function state() {
  const p = t.db.prisma;
  return {
    users: await p.user.count(),
    orgs: await p.organization.count(),
    memberships: await p.organizationMembership.findMany({
      select: { organizationId: true, userId: true, level: true },
      orderBy: [{ organizationId: "asc" }, { userId: "asc" }],
    }),
    keys: await p.personalApiKey.findMany({ select: { id: true, revokedAt: true }, orderBy: { id: "asc" } }),
  };
}

const VIEWER = `{ viewer { user { email } apiKey { label scopes scopedOrganizations }
  organizations(first: 10) { nodes { slug membershipLevel } } } }`;

describe("usage", () => {
  it("prints the commands and their options with no command, or `help`", async () => {
    for (const argv of [[], ["help"], ["--help"]]) {
      const res = await cli(...argv);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("Usage: npm run cli -- <command>");
      for (const c of ["user:create", "org:create", "member:add", "key:create", "key:list", "key:revoke"]) expect(res.stdout).toContain(c);
      expect(res.stdout).toContain("--email");
    }
  });

  it.each([
    ["an unknown command", ["user:delete"], /Unknown command: user:delete/],
    ["an inherited property as command", ["toString"], /Unknown command: toString/],
    ["a missing required option", ["user:create"], /Missing --email/],
    ["several missing options", ["org:create", "--name", "X"], /Missing --slug, --owner/],
    ["an empty required option", ["user:create", "--email", ""], /Missing --email/],
    ["an unknown option", ["user:create", "--email", "a@b.c", "--admin"], /Unknown option '--admin'/],
    ["an option without its value", ["key:revoke", "--id"], /argument missing/],
    ["a stray positional argument", ["key:list", "extra"], /positional/i],
    ["a malformed email", ["user:create", "--email", "not-an-email"], /--email is not an email address/],
    [
      "an unknown level",
      ["member:add", "--org", "x", "--email", "a@b.c", "--level", "superuser"],
      /--level must be member, admin or owner/,
    ],
    [
      "a level named like an inherited property",
      ["member:add", "--org", "x", "--email", "a@b.c", "--level", "constructor"],
      /--level must be/,
    ],
    [
      "an unknown scope",
      ["key:create", "--email", "a@b.c", "--label", "l", "--scopes", "organization:read,everything"],
      /Unknown scope\(s\): everything/,
    ],
    [
      "a non-integer project",
      ["key:create", "--email", "a@b.c", "--label", "l", "--projects", "0x10"],
      /--projects must be positive integer ids/,
    ],
    ["a blank label", ["key:create", "--email", "a@b.c", "--label", "   "], /Missing --label/],
    ["a malformed key id", ["key:revoke", "--id", "12345678-1234-1234-1234-12345678901g"], /--id must be a key id/],
    ["a malformed slug", ["org:create", "--name", "Fine", "--slug", "Not A Slug", "--owner", "a@b.c"], /--slug must be/],
    [
      "a too long organization name",
      ["org:create", "--name", "n".repeat(65), "--slug", "fine", "--owner", "a@b.c"],
      /--name: Name must be at most 64/,
    ],
  ])("exits 2 with a message on %s, changing nothing", async (_name, argv, message) => {
    const before = await state();
    const res = await cli(...argv);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(await state()).toEqual(before);
  });
});

describe("commands", () => {
  it("creates a user, an organization and a member; key:create prints a phx_ key that authenticates", async () => {
    expect((await cli("user:create", "--email", "Ada@Example.com", "--first-name", "Ada")).code).toBe(0);
    expect((await cli("user:create", "--email", "bob@example.com")).code).toBe(0);
    const org = await cli("org:create", "--name", "Analytical Engines", "--slug", "analytical", "--owner", "ada@example.com");
    expect(org.code).toBe(0);
    expect(org.stdout).toMatch(/Created organization [0-9a-f-]{36} \(analytical\) owned by ada@example\.com/);
    const member = await cli("member:add", "--org", "analytical", "--email", "bob@example.com", "--level", "admin");
    expect(member).toMatchObject({ code: 0, stdout: "bob@example.com is admin of analytical." });

    const created = await cli(
      "key:create",
      "--email",
      "bob@example.com",
      "--label",
      "laptop",
      "--scopes",
      "organization:read,project:read",
    );
    expect(created.code).toBe(0);
    const key = /^(phx_\S+)$/m.exec(created.stdout)?.[1];
    expect(key).toMatch(/^phx_[23456789A-HJ-NP-Za-km-z]{43}$/);
    expect(created.stdout).toContain("Store it now");

    const res = await t.gql(VIEWER, undefined, { key });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data.viewer).toEqual({
      user: { email: "bob@example.com" },
      apiKey: { label: "laptop", scopes: ["organization:read", "project:read"], scopedOrganizations: [] },
      organizations: { nodes: [{ slug: "analytical", membershipLevel: "ADMIN" }] },
    });
    // Its scopes hold: no organization:write.
    const write = await t.gql(`mutation { createOrganization(input: { name: "No" }) { userErrors { message } } }`, undefined, { key });
    expect(write.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it("lists keys masked, and key:revoke makes a key answer 401", async () => {
    const created = await cli("key:create", "--email", "ada@example.com", "--label", "to revoke");
    const key = /^(phx_\S+)$/m.exec(created.stdout)![1];
    const id = /^Key ([0-9a-f-]{36}) /.exec(created.stdout)![1];
    expect((await t.gql(VIEWER, undefined, { key })).status).toBe(200);

    const listed = await cli("key:list", "--email", "ada@example.com");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(`${key.slice(0, 4)}...${key.slice(-4)}`);
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout).toMatch(/"to revoke"\s+\[\*\]\s+active/);

    const revoked = await cli("key:revoke", "--id", id.toUpperCase());
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked key ${id}.` });
    const res = await t.gql(VIEWER, undefined, { key });
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect((await cli("key:list")).stdout).toMatch(new RegExp(`${id}.*revoked \\d{4}-`));

    // Revoking again is a failure (exit 1), not a usage error.
    const again = await cli("key:revoke", "--id", id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No active key/);
  });

  it("limits a key to the user's organizations named by slug or id", async () => {
    expect((await cli("org:create", "--name", "Second", "--slug", "second", "--owner", "ada@example.com")).code).toBe(0);
    const second = await t.db.prisma.organization.findUniqueOrThrow({ where: { slug: "second" } });
    const created = await cli("key:create", "--email", "ada@example.com", "--label", "limited", "--orgs", second.id.toUpperCase());
    expect(created.code).toBe(0);
    const key = /^(phx_\S+)$/m.exec(created.stdout)![1];
    const res = await t.gql(VIEWER, undefined, { key });
    expect(res.data.viewer.apiKey.scopedOrganizations).toEqual([second.id]);
    expect(res.data.viewer.organizations.nodes).toEqual([{ slug: "second", membershipLevel: "OWNER" }]);

    const bySlug = await cli("key:create", "--email", "ada@example.com", "--label", "by slug", "--orgs", "analytical,second");
    const both = await t.gql(VIEWER, undefined, { key: /^(phx_\S+)$/m.exec(bySlug.stdout)![1] });
    expect(both.data.viewer.organizations.nodes.map((n: { slug: string }) => n.slug)).toEqual(["analytical", "second"]);
  });

  it.each([
    ["an unknown user", ["key:create", "--email", "nobody@example.com", "--label", "x"], /No user with email nobody@example\.com/],
    ["a taken email", ["user:create", "--email", "ada@example.com"], /already exists/],
    ["a taken slug", ["org:create", "--name", "Again", "--slug", "analytical", "--owner", "ada@example.com"], /slug analytical is taken/],
    ["an unknown organization", ["member:add", "--org", "nope", "--email", "ada@example.com"], /No organization nope/],
    [
      "an organization the user is not in",
      ["key:create", "--email", "bob@example.com", "--label", "x", "--orgs", "second"],
      /not a member of second/,
    ],
    ["an unknown key", ["key:revoke", "--id", "00000000-0000-4000-8000-000000000000"], /No active key/],
  ])("exits 1 with a message on %s, changing nothing", async (_name, argv, message) => {
    const before = await state();
    const res = await cli(...argv);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/prisma|invocation|\n\s+at /i);
    expect(await state()).toEqual(before);
  });

  it("changes a member's level with member:add", async () => {
    expect((await cli("member:add", "--org", "analytical", "--email", "bob@example.com", "--level", "member")).code).toBe(0);
    const key = /^(phx_\S+)$/m.exec((await cli("key:create", "--email", "bob@example.com", "--label", "l")).stdout)![1];
    const res = await t.gql(VIEWER, undefined, { key });
    expect(res.data.viewer.organizations.nodes).toEqual([{ slug: "analytical", membershipLevel: "MEMBER" }]);
  });
});

describe("the cli process", () => {
  const dataRoot = resolve(".data");
  mkdirSync(dataRoot, { recursive: true });
  const dir = mkdtempSync(join(dataRoot, "cli-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...argv: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: join(dir, "pglite"), NODE_ENV: "production" };
    delete env.DATABASE_URL;
    return spawnSync(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...argv], { env, encoding: "utf8", timeout: 120_000 });
  };

  it("answers help (0) and usage errors (2) without opening the database", () => {
    const help = run();
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: npm run cli");
    const unknown = run("nope");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown command: nope");
    const missing = run("key:create", "--label", "x");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("Missing --email");
  });

  it("runs a command against the configured embedded database", () => {
    const created = run("user:create", "--email", "cli@example.com");
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/Created user \d+ <cli@example\.com>\./);
    const dup = run("user:create", "--email", "cli@example.com");
    expect(dup.status).toBe(1);
    expect(dup.stderr).toContain("already exists");
  }, 120_000);
});
