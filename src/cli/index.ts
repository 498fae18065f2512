// The operator CLI: `npm run cli -- <command> [--options]`. There is no
// sign-up flow in the API; operators create users, organizations,
// memberships and API keys here. Run with no command for help.
import { parseArgs } from "node:util";
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { isUniqueViolation } from "../db/errors.js";
import { answerUniqueViolation } from "../db/unique-races.js";
import { organizationName } from "../domain/organizations/validation.js";
import { addOrganizationMember } from "../domain/organizations/service.js";
import { loadConfig } from "../config.js";
import { openConfiguredDatabase, type Database } from "../db/client.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../auth/api-keys.js";
import { ALL_SCOPES, isValidScope } from "../auth/scopes.js";
import { MembershipLevel } from "../auth/levels.js";
import { extraCommands } from "./domain-commands.js";
import { isUuid, parseRowId } from "../domain/ids.js";

export interface Command {
  summary: string;
  options: Record<string, { type: "string" | "boolean"; required?: boolean; help: string }>;
  run(db: Database, opts: Record<string, string | boolean | undefined>): Promise<void>;
}

/** A bad option value: reported with the command's usage, exit code 2 (like a missing or unknown option). */
export class UsageError extends Error {}
export const usage = (message: string) => new UsageError(message);

const LEVELS: Record<string, number> = { member: MembershipLevel.MEMBER, admin: MembershipLevel.ADMIN, owner: MembershipLevel.OWNER };
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function emailOption(value: unknown): string {
  const email = String(value).trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw usage("--email is not an email address.");
  return email;
}

async function userByEmail(db: Database, email: string) {
  const user = await db.prisma.user.findUnique({ where: { email: emailOption(email) } });
  if (!user) throw new Error(`No user with email ${email}.`);
  return user;
}

async function orgByIdOrSlug(db: Database, ref: string) {
  const org = isUuid(ref)
    ? await db.prisma.organization.findUnique({ where: { id: ref.toLowerCase() } })
    : await db.prisma.organization.findUnique({ where: { slug: ref } });
  if (!org) throw new Error(`No organization ${ref}.`);
  return org;
}

const list = (value: unknown) =>
  typeof value === "string" && value.trim()
    ? value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

export const commands: Record<string, Command> = {
  "user:create": {
    summary: "Create a user.",
    options: {
      email: { type: "string", required: true, help: "email address (unique)" },
      "first-name": { type: "string", help: "given name" },
      "last-name": { type: "string", help: "family name" },
    },
    async run(db, o) {
      const email = emailOption(o.email);
      try {
        const user = await db.prisma.user.create({
          data: {
            email,
            distinctId: `user-${email}`,
            firstName: String(o["first-name"] ?? "").trim(),
            lastName: String(o["last-name"] ?? "").trim(),
          },
        });
        console.log(`Created user ${user.id} <${user.email}>.`);
      } catch (error) {
        if (isUniqueViolation(error)) throw new Error(`A user with email ${email} already exists.`);
        throw error;
      }
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
      const name = organizationName.safeParse(o.name);
      if (!name.success) throw usage(`--name: ${name.error.issues[0].message}`);
      const slug = String(o.slug).trim();
      if (!SLUG.test(slug) || slug.length > 48)
        throw usage("--slug must be lowercase letters, digits and single dashes (at most 48 characters).");
      const owner = await userByEmail(db, String(o.owner));
      const org = await answerUniqueViolation(
        () =>
          db.prisma.organization.create({
            data: { name: name.data, slug, memberships: { create: { userId: owner.id, level: MembershipLevel.OWNER } } },
          }),
        () => {
          throw new Error(`The slug ${slug} is taken.`);
        },
      );
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
      const levelName = String(o.level ?? "member");
      if (!Object.hasOwn(LEVELS, levelName)) throw usage("--level must be member, admin or owner.");
      const level = LEVELS[levelName];
      const org = await orgByIdOrSlug(db, String(o.org));
      const user = await userByEmail(db, String(o.email));
      // A new member also joins the organization's default role, in the same transaction.
      const { joinedRole } = await addOrganizationMember(db.prisma, { organizationId: org.id, userId: user.id, level });
      console.log(`${user.email} is ${String(o.level ?? "member")} of ${org.slug}.`);
      if (joinedRole) console.log(`${user.email} joined the default role "${joinedRole.name}".`);
    },
  },
  "key:create": {
    summary: "Create a personal API key; its secret is printed once.",
    options: {
      email: { type: "string", required: true, help: "the key's user" },
      label: { type: "string", required: true, help: "a label to recognise it" },
      scopes: { type: "string", help: `comma-separated: * or ${ALL_SCOPES.join(",")} (default *)` },
      orgs: { type: "string", help: "comma-separated organization ids or slugs the key is limited to (the user's own)" },
      projects: { type: "string", help: "comma-separated project/environment ids the key is limited to" },
    },
    async run(db, o) {
      const label = String(o.label).trim();
      if (!label || label.length > 40) throw usage("--label must be 1–40 characters.");
      const scopes = list(o.scopes).length ? list(o.scopes) : ["*"];
      const bad = scopes.filter((s) => !isValidScope(s));
      if (bad.length) throw usage(`Unknown scope(s): ${bad.join(", ")}; use * or ${ALL_SCOPES.join(",")}.`);
      const projects = list(o.projects);
      if (projects.some((p) => parseRowId(p) === null)) throw usage("--projects must be positive integer ids.");
      const user = await userByEmail(db, String(o.email));
      // Limits name the user's own organizations, stored by id (as memberships are matched).
      const orgIds: string[] = [];
      for (const ref of list(o.orgs)) {
        const org = await orgByIdOrSlug(db, ref);
        const member = await db.prisma.organizationMembership.findUnique({
          where: { organizationId_userId: { organizationId: org.id, userId: user.id } },
        });
        if (!member)
          throw new Error(`${user.email} is not a member of ${org.slug}: a key can only be limited to the user's organizations.`);
        orgIds.push(org.id);
      }
      const { key, record } = await createApiKey(db.prisma, {
        userId: user.id,
        label,
        scopes,
        scopedOrganizations: [...new Set(orgIds)],
        scopedTeams: [...new Set(projects.map(Number))],
      });
      console.log(
        `Key ${record.id} (${record.maskValue}) for ${user.email}, scopes ${scopes.join(",")}:\n` +
          `${key}\nStore it now: it is not shown again.`,
      );
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
      const id = String(o.id).trim();
      if (!isUuid(id)) throw usage("--id must be a key id from key:list.");
      if (!(await revokeApiKey(db.prisma, id.toLowerCase()))) throw new Error(`No active key ${id}.`);
      console.log(`Revoked key ${id.toLowerCase()}.`);
    },
  },
  ...extraCommands,
};

function help(): string {
  const lines = ["Usage: npm run cli -- <command> [--option value ...]", "", "Commands:"];
  for (const [name, c] of Object.entries(commands)) {
    lines.push(`  ${name.padEnd(18)} ${c.summary}`);
    for (const [opt, spec] of Object.entries(c.options))
      lines.push(`      --${opt.padEnd(14)} ${spec.required ? "(required) " : ""}${spec.help}`);
  }
  lines.push(
    "",
    "Exit codes: 0 done, 1 failed, 2 usage error.",
    "The embedded database (DATA_DIR) is open in one process at a time: stop the server before running a command (exit 1 otherwise).",
  );
  return lines.join("\n");
}

export interface CliOptions {
  /** The database to run against (tests); by default the configured one, opened and closed here. */
  database?: Database;
}

/**
 * Runs one command; answers the exit code: 0 done, 1 the command failed (e.g. no
 * such user, or the embedded database is open in another process such as the
 * server: nothing was done), 2 a usage error (unknown command or option, missing
 * or bad value).
 */
export async function runCli(argv: string[], options: CliOptions = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(help());
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    console.error(`Unknown command: ${name}\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(help());
    return 0;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: rest, options: Object.fromEntries(Object.entries(command.options).map(([k, v]) => [k, { type: v.type }])) })
      .values as never;
    const missing = Object.entries(command.options)
      .filter(([k, v]) => v.required && (values[k] === undefined || (typeof values[k] === "string" && !String(values[k]).trim())))
      .map(([k]) => `--${k}`);
    if (missing.length) throw new Error(`Missing ${missing.join(", ")}.`);
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}\n\n${help()}`);
    return 2;
  }
  let db: Database | undefined = options.database;
  try {
    // On the embedded database, fails at once (exit 1, nothing done) while another process has it open.
    db ??= await openConfiguredDatabase(loadConfig(), { role: "cli", command: name });
    await command.run(db, values);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${name}: ${error.message}`);
      return 2;
    }
    console.error(`${name}: ${(error as Error).message}`);
    if (process.env.DEBUG_ERRORS) console.error(error);
    return 1;
  } finally {
    if (db && !options.database) await db.close();
  }
}

/** Whether this module is the process's entry point (compared by real path: spaces and symlinks are fine). */
function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
