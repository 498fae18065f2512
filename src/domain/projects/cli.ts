// Operator CLI commands of the projects area.
import type { Command } from "../../cli/index.js";

export const projectsCommands: Record<string, Command> = {};
