// CLI commands contributed by the domain areas (dashboards, insights, persons, ...).
import type { Command } from "./index.js";

export const extraCommands: Record<string, Command> = {};
