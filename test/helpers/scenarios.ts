// Named scenarios: the worlds tests start from, said by what they are ("an
// owner with a project", "a member", "a key scoped to one project") rather than
// by the rows behind them. Modelled on GraphQL Hive's `initSeed()`: one seed per
// test file; owners create organizations, organizations make their own members,
// projects and keys.
//
//   const seed = initSeed(t);
//   const { user: member, key: memberKey } = await seed.home.member();   // a MEMBER of t.org
//   const readOnly = await seed.home.scopedKey(["project:read"]);         // the owner's key, fewer scopes
//   const { project, environment } = await seed.home.createProject("Web");
//   const stranger = await seed.ownerWithProject("Theirs");              // someone else's organization
//   const owner = await seed.createOwner();                               // a user in no organization yet
//   const org = await owner.createOrg("Acme");                            // ...who owns a new one
//
// Built on the fixtures of test/helpers/app.ts (users, organizations, keys) and
// the direct inserts the projects tests use (no activity is logged).
import { MembershipLevel } from "../../src/auth/levels.js";
import { ALL_SCOPES } from "../../src/auth/scopes.js";
import { insertEnvironment } from "../../src/domain/environments/store.js";
import { insertProject } from "../../src/domain/projects/store.js";
import type { Organization, User } from "../../src/generated/prisma/client.js";
import type { setupTestApp } from "./app.js";

type TestApp = Awaited<ReturnType<typeof setupTestApp>>;
type StoredSettings = Parameters<typeof insertProject>[3];

/** A user and an API key of theirs. */
export interface Person {
  user: User;
  key: string;
}

/** What a key may reach beyond its scopes: only these organizations (ids) or projects (PostHog's integer ids). */
export interface KeyLimits {
  organizations?: string[];
  projects?: number[];
}

/** A project with its primary environment (same id), inserted directly. */
export type SeededProject = Awaited<ReturnType<typeof insertProject>>;

/** An owner, with an all-scopes key, who creates organizations of their own. */
export interface OwnerSeed extends Person {
  /** A new organization this owner owns (alone, until members are added). */
  createOrg(name?: string): Promise<OrgSeed>;
}

/** An organization and its owner; makes members, projects and keys in it. */
export interface OrgSeed {
  org: Organization;
  owner: OwnerSeed;
  /** A new user at `level` (MEMBER by default) in this organization, with a key of `scopes` (all by default). */
  member(level?: number, scopes?: string[]): Promise<Person>;
  /** Another key of `user` (the owner by default) with only `scopes`, and optionally only some organizations or projects. */
  scopedKey(scopes: string[], limits?: KeyLimits, user?: { id: number }): Promise<string>;
  /** A new project of this organization with its primary environment. */
  createProject(name?: string, settings?: StoredSettings): Promise<SeededProject>;
  /** A further environment of one of its projects. */
  createEnvironment(project: { id: number; organizationId: string }, name?: string): ReturnType<typeof insertEnvironment>;
}

let count = 0;
const unique = (prefix: string) => {
  count += 1;
  return `${prefix} ${process.pid}-${count}`;
};

export function initSeed(t: TestApp) {
  const prisma = t.db.prisma;
  const fx = t.fixtures;

  async function person(scopes: string[] = ALL_SCOPES): Promise<Person> {
    const user = await fx.user();
    return { user, key: await fx.key(user.id, scopes) };
  }

  function orgSeed(org: Organization, owner: OwnerSeed): OrgSeed {
    return {
      org,
      owner,
      async member(level = MembershipLevel.MEMBER, scopes = ALL_SCOPES) {
        const user = await fx.user();
        await prisma.organizationMembership.create({ data: { organizationId: org.id, userId: user.id, level } });
        return { user, key: await fx.key(user.id, scopes) };
      },
      scopedKey(scopes, limits = {}, user = owner.user) {
        return fx.key(user.id, scopes, { scopedOrganizations: limits.organizations, scopedTeams: limits.projects });
      },
      createProject(name = unique("Project"), settings = {}) {
        return insertProject(prisma, org.id, name, settings);
      },
      createEnvironment(project, name = unique("Environment")) {
        return insertEnvironment(prisma, project, name);
      },
    };
  }

  function ownerSeed(owner: Person): OwnerSeed {
    const seed: OwnerSeed = {
      ...owner,
      async createOrg(name) {
        const org = await fx.organization(name, [{ userId: owner.user.id, level: MembershipLevel.OWNER }]);
        return orgSeed(org, seed);
      },
    };
    return seed;
  }

  return {
    /** setupTestApp's owner and organization (`t.owner`, `t.org`, `t.ownerKey`). */
    home: orgSeed(t.org, ownerSeed({ user: t.owner, key: t.ownerKey })),
    /** A new user, in no organization yet, with a key of `scopes` (all by default). */
    async createOwner(scopes: string[] = ALL_SCOPES): Promise<OwnerSeed> {
      return ownerSeed(await person(scopes));
    },
    /** A new user owning a new organization: someone else's world, out of the home owner's reach. */
    async ownerWithOrg(orgName?: string): Promise<OrgSeed> {
      return ownerSeed(await person()).createOrg(orgName);
    },
    /** A new user owning a new organization with one project (and its primary environment). */
    async ownerWithProject(projectName?: string, settings?: StoredSettings): Promise<OrgSeed & SeededProject> {
      const seed = await ownerSeed(await person()).createOrg();
      return { ...seed, ...(await seed.createProject(projectName, settings)) };
    },
  };
}

export type Seed = ReturnType<typeof initSeed>;
