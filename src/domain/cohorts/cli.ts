// Operator CLI commands of the cohorts area.
import type { Command } from "../../cli/index.js";

export const cohortsCommands: Record<string, Command> = {};
