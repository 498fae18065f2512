// Operator CLI commands of the annotations area.
import type { Command } from "../../cli/index.js";

export const annotationsCommands: Record<string, Command> = {};
