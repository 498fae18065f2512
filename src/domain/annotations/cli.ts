// Operator CLI commands of the annotations area: dashboards and insights,
// which annotations point at (this API does not manage them otherwise).
import type { Command } from "../../cli/index.js";
import type { Database } from "../../db/client.js";
import { insertDashboard, insertInsight, insightByShortId } from "./store.js";

async function environmentOf(db: Database, ref: unknown) {
  const id = Number(ref);
  if (!Number.isInteger(id) || id <= 0 || id > 2147483647)
    throw new Error("--environment must be an environment's (or project's) integer id.");
  const env = await db.prisma.environment.findUnique({ where: { id } });
  if (!env) throw new Error(`No environment ${id}.`);
  return env;
}

function nonBlank(value: unknown, option: string, max: number): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (!text) throw new Error(`--${option} must not be blank.`);
  if (text.length > max) throw new Error(`--${option} must be at most ${max} characters.`);
  return text;
}

export const annotationsCommands: Record<string, Command> = {
  "dashboard:create": {
    summary: "Create a dashboard in an environment (annotations may point at it with dashboardId).",
    options: {
      environment: { type: "string", required: true, help: "the environment's integer id (a project's id names its primary environment)" },
      name: { type: "string", required: true, help: "display name" },
    },
    async run(db, o) {
      const env = await environmentOf(db, o.environment);
      const dashboard = await insertDashboard(db.prisma, { environmentId: env.id, name: nonBlank(o.name, "name", 400) });
      console.log(`Created dashboard ${dashboard.id} "${dashboard.name}" in environment ${env.id}.`);
    },
  },
  "insight:create": {
    summary: "Create an insight in an environment (annotations may point at it with dashboardItem).",
    options: {
      environment: { type: "string", required: true, help: "the environment's integer id (a project's id names its primary environment)" },
      "short-id": { type: "string", required: true, help: "the insight's short id (unique), e.g. a1B2c3D4" },
      name: { type: "string", required: true, help: "display name" },
      "derived-name": { type: "string", help: "the name derived from its query (optional)" },
    },
    async run(db, o) {
      const env = await environmentOf(db, o.environment);
      const shortId = nonBlank(o["short-id"], "short-id", 12);
      if (!/^[A-Za-z0-9_-]+$/.test(shortId)) throw new Error("--short-id may hold only letters, digits, _ and -.");
      if (await insightByShortId(db.prisma, shortId)) throw new Error(`An insight with short id ${shortId} exists already.`);
      const insight = await insertInsight(db.prisma, {
        environmentId: env.id,
        shortId,
        name: nonBlank(o.name, "name", 400),
        derivedName: o["derived-name"] === undefined ? null : nonBlank(o["derived-name"], "derived-name", 400),
      });
      console.log(`Created insight ${insight.id} (${insight.shortId}) "${insight.name}" in environment ${env.id}.`);
    },
  },
};
