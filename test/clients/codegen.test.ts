// Typed clients from the schema: GraphQL Code Generator (client preset) makes
// typed documents from examples/operations/*.graphql, tsc checks the example
// client against them (a wrong field access must fail), and the client runs
// against the API in-process (its fetch is yoga's).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { getOperationAST, parse } from "graphql";
import { describe, expect, expectTypeOf, it } from "vitest";
import { GENERATED_DIR, MANIFEST_PATH, ROOT, generateExamples } from "../../examples/generate.js";
import { setupTestApp } from "../helpers/app.js";
import { expectUserErrors } from "../projects/support.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { insertEnvironment } from "../../src/domain/environments/store.js";
import { encodeId } from "../../src/domain/ids.js";

// Generate first: the client imports the generated documents.
await generateExamples();
const { ClientError, createClient, settingsHeadline } = await import("../../examples/client.js");

const t = await setupTestApp();
const client = createClient({
  url: "http://localhost/graphql",
  apiKey: t.ownerKey,
  fetch: (url, init) => Promise.resolve(t.app.yoga.fetch(url, init)),
});

const run = promisify(execFile);
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

/** Runs tsc; returns its exit code and output. */
async function tsc(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSC, ...args], { cwd: ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

const OPERATIONS = [
  "AddProjectProductIntent",
  "CompleteProjectProductOnboarding",
  "CreateAnnotation",
  "CreateCohort",
  "ProjectAnnotations",
  "ProjectSettings",
  "PromotedProductIntent",
  "RotateProjectSecretToken",
  "UpdateProjectSettings",
];

describe("codegen", () => {
  it("generates typed documents and a sha256 persisted-documents manifest", () => {
    const graphqlTs = readFileSync(join(GENERATED_DIR, "graphql.ts"), "utf8");
    for (const name of OPERATIONS) expect(graphqlTs).toContain(`export const ${name}Document = `);
    const manifest = JSON.parse(readFileSync(MANIFEST_PATH, "utf8")) as Record<string, string>;
    const names = Object.values(manifest).map((doc) => getOperationAST(parse(doc))?.name?.value);
    expect(names.sort()).toEqual(OPERATIONS);
    for (const [id, document] of Object.entries(manifest)) {
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(id).toBe(`sha256:${createHash("sha256").update(document).digest("hex")}`);
      // The hash the client sends is the one in the manifest.
      expect(graphqlTs).toContain(`"__meta__":{"hash":"${id}"}`);
    }
  });

  // tsc takes seconds, more on a busy machine.
  it("type-checks the example client with tsc", { timeout: 180_000 }, async () => {
    const { code, output } = await tsc(["--noEmit", "-p", "examples/tsconfig.json"]);
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("fails the type-check on the wrong field access when its @ts-expect-error is removed", { timeout: 180_000 }, async () => {
    // Same client, same compiler options, without the directive: tsc must name the field.
    const source = readFileSync(join(ROOT, "examples/client.ts"), "utf8");
    expect(source).toMatch(/\/\/ @ts-expect-error .*\n.*project\.secretApiTokenBackup;/);
    const dir = join(ROOT, ".data/test", `typecheck-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    try {
      const gql = relative(dir, GENERATED_DIR).split("\\").join("/");
      writeFileSync(
        join(dir, "client.ts"),
        source.replace(/\/\/ @ts-expect-error .*/, "// (directive removed)").replaceAll('"./gql/', `"${gql}/`),
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({ extends: relative(dir, join(ROOT, "examples/tsconfig.json")), include: ["client.ts"] }),
      );
      const { code, output } = await tsc(["--noEmit", "-p", relative(ROOT, join(dir, "tsconfig.json"))]);
      expect(code).not.toBe(0);
      const errors = output.split("\n").filter((line) => /error TS\d+/.test(line));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/client\.ts\(\d+,\d+\): error TS(2339|2551): Property 'secretApiTokenBackup' does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the typed client against the API", () => {
  const prisma = t.db.prisma;

  it("loads the project settings page", async () => {
    const { project, environment } = await insertProject(prisma, t.org.id, "Client Web", {
      timezone: "Europe/London",
      appUrls: ["https://web.example.com"],
    });
    await insertEnvironment(prisma, project, "Staging");

    const settings = await client.projectSettings(encodeId("Project", project.id));
    expectTypeOf(settings.weekStartDay).toEqualTypeOf<"MONDAY" | "SUNDAY" | null>();
    expectTypeOf(settings.environments.nodes[0].isPrimary).toEqualTypeOf<boolean>();
    expectTypeOf(settings.secretApiToken).toEqualTypeOf<string | null>();
    expect(settings).toMatchObject({
      databaseId: project.id,
      name: "Client Web",
      timezone: "Europe/London",
      appUrls: ["https://web.example.com"],
      weekStartDay: null,
      sessionRecordingRetentionPeriod: "THIRTY_DAYS",
      apiToken: environment.apiToken,
      secretApiToken: environment.secretApiToken,
      userAccessLevel: expect.any(String),
      effectiveMembershipLevel: "OWNER",
      organization: { id: encodeId("Organization", t.org.id) },
    });
    expect(settings.environments.totalCount).toBe(2);
    expect(settings.environments.nodes.map((e) => [e.name, e.isPrimary])).toEqual([
      ["Client Web", true],
      ["Staging", false],
    ]);
    expect(settingsHeadline(settings)).toBe("Client Web · Europe/London · week starts locale default · Client Web (primary), Staging");

    // PostHog's integer id works as well as the global id.
    expect((await client.projectSettings(String(project.id))).id).toBe(settings.id);
  });

  it("saves settings, and returns userErrors for a bad value", async () => {
    const { project } = await insertProject(prisma, t.org.id, "Client Save");
    const saved = await client.updateProjectSettings({ id: String(project.id), timezone: "Europe/Paris", weekStartDay: "MONDAY" });
    expect(saved.userErrors).toEqual([]);
    expect(saved.project).toMatchObject({ timezone: "Europe/Paris", weekStartDay: "MONDAY" });

    const refused = await client.updateProjectSettings({ id: String(project.id), timezone: "Mars/Olympus_Mons" });
    expect(refused.project).toBeNull();
    expect(refused.userErrors).toEqual([expect.objectContaining({ field: ["input", "timezone"], code: "INVALID" })]);
  });

  it("rotates the secret token and keeps the old one as the backup", async () => {
    const { project, environment } = await insertProject(prisma, t.org.id, "Client Tokens");
    const rotated = await client.rotateSecretToken(encodeId("Project", project.id));
    expectTypeOf(rotated.project).toEqualTypeOf<{
      id: string;
      secretApiToken: string | null;
      secretApiTokenBackup: string | null;
    } | null>();
    expect(rotated.userErrors).toEqual([]);
    expect(rotated.project!.secretApiToken).toMatch(/^phs_/);
    expect(rotated.project!.secretApiToken).not.toBe(environment.secretApiToken);
    expect(rotated.project!.secretApiTokenBackup).toBe(environment.secretApiToken);
  });

  it("records onboarding: a product intent, its completion, the promoted product", async () => {
    const { project } = await insertProject(prisma, t.org.id, "Client Onboarding");
    const id = encodeId("Project", project.id);
    expect(await client.promotedProductIntent(id)).toBeNull();

    const intent = await client.addProductIntent({
      id,
      productType: "SESSION_REPLAY",
      intentContext: "onboarding product selected - primary",
    });
    expect(intent.userErrors).toEqual([]);
    expect(intent.project!.productIntents).toEqual([
      expect.objectContaining({
        productType: "session_replay",
        contexts: { "onboarding product selected - primary": 1 },
        onboardingCompletedAt: null,
      }),
    ]);
    expect(await client.promotedProductIntent(id)).toBe("session_replay");

    const done = await client.completeProductOnboarding({ id, productType: "SESSION_REPLAY" });
    expect(done.userErrors).toEqual([]);
    const completedAt: string | null = done.project!.productIntents[0].onboardingCompletedAt;
    expect(new Date(completedAt!).getTime()).not.toBeNaN();
  });

  it("lists annotations with search, page by page", async () => {
    const { project } = await insertProject(prisma, t.org.id, "Client Annotations");
    const environmentId = String(project.id);
    for (const [content, day] of [
      ["Deploy v1.2 to production", "01"],
      ["Marketing campaign starts", "02"],
      ["Deploy v1.3 (hotfix)", "03"],
    ] as const) {
      const created = await client.createAnnotation({ environmentId, content, dateMarker: `2026-03-${day}T12:00:00Z`, scope: "PROJECT" });
      expect(created.userErrors).toEqual([]);
    }

    const page1 = await client.annotations({ projectId: environmentId, search: "deploy", first: 1 });
    expect(page1.totalCount).toBe(2);
    expect(page1.nodes.map((a) => a.content)).toEqual(["Deploy v1.3 (hotfix)"]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = await client.annotations({ projectId: environmentId, search: "deploy", first: 1, after: page1.pageInfo.endCursor });
    expect(page2.nodes.map((a) => a.content)).toEqual(["Deploy v1.2 to production"]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(page2.nodes[0]).toMatchObject({
      scope: "PROJECT",
      creationType: "USR",
      createdBy: { email: expect.stringContaining("@example.com") },
    });

    const all = await client.annotations({ projectId: environmentId });
    expect(all.totalCount).toBe(3);
  });

  it("creates a cohort", async () => {
    const { project } = await insertProject(prisma, t.org.id, "Client Cohorts");
    const created = await client.createCohort({
      environmentId: String(project.id),
      name: "Hedgehog staff",
      description: "People with a posthog.com address",
      filters: { properties: { type: "AND", values: [{ type: "person", key: "email", operator: "icontains", value: "@posthog.com" }] } },
    });
    expect(created.userErrors).toEqual([]);
    expectTypeOf(created.cohort!.cohortType).toEqualTypeOf<
      "ANALYTICAL" | "BEHAVIORAL" | "PERSON_PROPERTY" | "REALTIME" | "STATIC" | null
    >();
    expect(created.cohort).toMatchObject({ name: "Hedgehog staff", cohortType: "PERSON_PROPERTY", isStatic: false });

    const refused = await client.createCohort({ environmentId: String(project.id), name: "" });
    expect(refused.cohort).toBeNull();
    expectUserErrors(refused.userErrors, { code: "INVALID", field: "input.name" });
  });

  it("throws a ClientError carrying the API's error code", async () => {
    const other = await t.fixtures.organization();
    const { project } = await insertProject(prisma, other.id, "Not Yours");
    const error = await client.projectSettings(String(project.id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as InstanceType<typeof ClientError>).response.errors?.[0].extensions?.code).toBe("NOT_FOUND");

    const anonymous = createClient({
      url: "http://localhost/graphql",
      apiKey: "phx_unknown",
      fetch: (url, init) => Promise.resolve(t.app.yoga.fetch(url, init)),
    });
    const unauthenticated = await anonymous.projectSettings(String(project.id)).catch((e: unknown) => e);
    expect((unauthenticated as InstanceType<typeof ClientError>).response.status).toBe(401);
    expect((unauthenticated as InstanceType<typeof ClientError>).response.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});
