// CLI commands contributed by the domain areas (dashboards, insights, persons, ...).
import type { Command } from "./index.js";
import { projectsCommands } from "../domain/projects/cli.js";
import { environmentsCommands } from "../domain/environments/cli.js";
import { rolesCommands } from "../domain/roles/cli.js";
import { annotationsCommands } from "../domain/annotations/cli.js";
import { cohortsCommands } from "../domain/cohorts/cli.js";

export const extraCommands: Record<string, Command> = {
  ...projectsCommands,
  ...environmentsCommands,
  ...rolesCommands,
  ...annotationsCommands,
  ...cohortsCommands,
};
