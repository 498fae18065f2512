// Operator CLI commands of the roles area.
import type { Command } from "../../cli/index.js";

export const rolesCommands: Record<string, Command> = {};
