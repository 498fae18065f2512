// CLI commands contributed by the domain areas (dashboards, insights, persons, ...).
// An area with commands exports them from its cli.ts and is listed here.
import type { Command } from "./index.js";
import { annotationsCommands } from "../domain/annotations/cli.js";
import { cohortsCommands } from "../domain/cohorts/cli.js";

export const extraCommands: Record<string, Command> = {
  ...annotationsCommands,
  ...cohortsCommands,
};
