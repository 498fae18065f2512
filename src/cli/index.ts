// The operator CLI: `npm run cli -- <command> [--options]`. There is no
// sign-up flow in the API; operators create users, organizations,
// memberships and API keys here. Run with no command for help.
import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { openConfiguredDatabase, type Database } from "../db/client.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../auth/api-keys.js";
import { ALL_SCOPES, isValidScope } from "../auth/scopes.js";
import { MembershipLevel } from "../auth/levels.js";
import { extraCommands } from "./domain-commands.js";

export interface Command {
  summary: string;
  options: Record<string, { type: "string" | "boolean"; required?: boolean; help: string }>;
  run(db: Database, opts: Record<string, string | boolean | undefined>): Promise<void>;
}

const LEVELS: Record<string, number> = { member: MembershipLevel.MEMBER, admin: MembershipLevel.ADMIN, owner: MembershipLevel.OWNER };

async function userByEmail(db: Database, email: string) {
  const user = await db.prisma.user.findUnique({ where: { email } });
  if (!user) throw new Error(`No user with email ${email}.`);
  return user;
}

async function orgByIdOrSlug(db: Database, ref: string) {
  const org = /^[0-9a-f-]{36}$/i.test(ref)
    ? await db.prisma.organization.findUnique({ where: { id: ref } })
    : await db.prisma.organization.findUnique({ where: { slug: ref } });
  if (!org) throw new Error(`No organization ${ref}.`);
  return org;
}

const list = (value: unknown) => (typeof value === "string" && value.trim() ? value.split(",").map((s) => s.trim()).filter(Boolean) : []);

export const commands: Record<string, Command> = {
  "user:create": {
    summary: "Create a user.",
    options: {
      email: { type: "string", required: true, help: "email address (unique)" },
      "first-name": { type: "string", help: "given name" },
      "last-name": { type: "string", help: "family name" },
    },
    async run(db, o) {
      const email = String(o.email).trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error("--email is not an email address.");
      const user = await db.prisma.user.create({
        data: { email, distinctId: `user-${email}`, firstName: String(o["first-name"] ?? ""), lastName: String(o["last-name"] ?? "") },
      });
      console.log(`Created user ${user.id} <${user.email}>.`);
    },
  },
  "org:create": {
    summary: "Create an organization with an owner.",
    options: {
      name: { type: "string", required: true, help: "display name" },
      slug: { type: "string", required: true, help: "unique URL name" },
      owner: { type: "string", required: true, help: "owner's email" },
    },
    async run(db, o) {
      const owner = await userByEmail(db, String(o.owner));
      const org = await db.prisma.organization.create({
        data: { name: String(o.name), slug: String(o.slug), memberships: { create: { userId: owner.id, level: MembershipLevel.OWNER } } },
      });
      if (!owner.currentOrganizationId) await db.prisma.user.update({ where: { id: owner.id }, data: { currentOrganizationId: org.id } });
      console.log(`Created organization ${org.id} (${org.slug}) owned by ${owner.email}.`);
    },
  },
  "member:add": {
    summary: "Add a user to an organization, or change their level.",
    options: {
      org: { type: "string", required: true, help: "organization id or slug" },
      email: { type: "string", required: true, help: "the user's email" },
      level: { type: "string", help: "member (default), admin or owner" },
    },
    async run(db, o) {
      const level = LEVELS[String(o.level ?? "member")];
      if (!level) throw new Error("--level must be member, admin or owner.");
      const org = await orgByIdOrSlug(db, String(o.org));
      const user = await userByEmail(db, String(o.email));
      await db.prisma.organizationMembership.upsert({
        where: { organizationId_userId: { organizationId: org.id, userId: user.id } },
        create: { organizationId: org.id, userId: user.id, level },
        update: { level },
      });
      console.log(`${user.email} is ${String(o.level ?? "member")} of ${org.slug}.`);
    },
  },
  "key:create": {
    summary: "Create a personal API key; its secret is printed once.",
    options: {
      email: { type: "string", required: true, help: "the key's user" },
      label: { type: "string", required: true, help: "a label to recognise it" },
      scopes: { type: "string", help: `comma-separated: * or ${ALL_SCOPES.join(",")} (default *)` },
      orgs: { type: "string", help: "comma-separated organization ids the key is limited to" },
      projects: { type: "string", help: "comma-separated project/environment ids the key is limited to" },
    },
    async run(db, o) {
      const user = await userByEmail(db, String(o.email));
      const scopes = list(o.scopes).length ? list(o.scopes) : ["*"];
      const bad = scopes.filter((s) => !isValidScope(s));
      if (bad.length) throw new Error(`Unknown scope(s): ${bad.join(", ")}.`);
      const teams = list(o.projects).map(Number);
      if (teams.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error("--projects must be positive integers.");
      const { key, record } = await createApiKey(db.prisma, {
        userId: user.id,
        label: String(o.label),
        scopes,
        scopedOrganizations: list(o.orgs),
        scopedTeams: teams,
      });
      console.log(`Key ${record.id} (${record.maskValue}) for ${user.email}, scopes ${scopes.join(",")}:\n${key}\nStore it now: it is not shown again.`);
    },
  },
  "key:list": {
    summary: "List API keys (masked).",
    options: { email: { type: "string", help: "only this user's keys" } },
    async run(db, o) {
      const user = o.email ? await userByEmail(db, String(o.email)) : null;
      for (const k of await listApiKeys(db.prisma, user?.id)) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
        console.log(`${k.id}  ${k.maskValue}  ${k.user.email}  "${k.label}"  [${k.scopes.join(",")}]  ${state}`);
      }
    },
  },
  "key:revoke": {
    summary: "Revoke an API key by id.",
    options: { id: { type: "string", required: true, help: "the key's id (from key:list)" } },
    async run(db, o) {
      if (!/^[0-9a-f-]{36}$/i.test(String(o.id))) throw new Error("--id must be a key id from key:list.");
      console.log((await revokeApiKey(db.prisma, String(o.id))) ? "Revoked." : "No such active key.");
    },
  },
  ...extraCommands,
};

function help(): string {
  const lines = ["Usage: npm run cli -- <command> [--option value ...]", "", "Commands:"];
  for (const [name, c] of Object.entries(commands)) {
    lines.push(`  ${name.padEnd(18)} ${c.summary}`);
    for (const [opt, spec] of Object.entries(c.options)) lines.push(`      --${opt.padEnd(14)} ${spec.required ? "(required) " : ""}${spec.help}`);
  }
  return lines.join("\n");
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.log(help());
    return name && name !== "help" ? 2 : 0;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: rest, options: Object.fromEntries(Object.entries(command.options).map(([k, v]) => [k, { type: v.type }])) }).values as never;
    const missing = Object.entries(command.options).filter(([k, v]) => v.required && values[k] === undefined).map(([k]) => `--${k}`);
    if (missing.length) throw new Error(`Missing ${missing.join(", ")}.`);
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}\n\n${help()}`);
    return 2;
  }
  const db = await openConfiguredDatabase(loadConfig());
  try {
    await command.run(db, values);
    return 0;
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}`);
    return 1;
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
