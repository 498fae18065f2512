// Operator CLI commands of the environments area.
import type { Command } from "../../cli/index.js";

export const environmentsCommands: Record<string, Command> = {};
