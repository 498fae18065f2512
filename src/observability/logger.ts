// Structured logs: pino, one JSON line per event on stdout (access lines,
// faults, yoga's own messages), with the level's name and an ISO time, so any
// log shipper can read them. On a developer's terminal (NODE_ENV=development
// and stdout a TTY) the same lines are printed pretty by pino-pretty, loaded
// only then. Under NODE_ENV=test nothing is written unless asked: LOG_LEVEL,
// DEBUG_ERRORS (faults only), or a destination the test injects.
import { createRequire } from "node:module";
import pino, { type DestinationStream, type LevelWithSilent, type Logger, type LoggerOptions } from "pino";
import type { YogaLogger } from "graphql-yoga";
import type { Config } from "../config.js";

export type { DestinationStream, Logger };

type LogConfig = Pick<Config, "NODE_ENV" | "LOG_LEVEL" | "DEBUG_ERRORS">;

/**
 * The level lines are written from: LOG_LEVEL, else info; under NODE_ENV=test silent (only faults with
 * DEBUG_ERRORS, or everything from info when the test gave a destination to read).
 */
export function logLevel(config: LogConfig, injected = false): LevelWithSilent {
  if (config.LOG_LEVEL) return config.LOG_LEVEL;
  if (config.NODE_ENV !== "test" || injected) return "info";
  return config.DEBUG_ERRORS ? "error" : "silent";
}

/** JSON lines: `"level":"info"` (not pino's number) and `"time":"2026-12-01T10:00:00.000Z"`, readable without pino's tools. */
const JSON_LINES: LoggerOptions = {
  formatters: { level: (label) => ({ level: label }) },
  timestamp: pino.stdTimeFunctions.isoTime,
};

/**
 * The app's logger. `destination` replaces stdout (tests read it); without one, development on a terminal gets
 * pretty lines, anything else JSON lines on stdout (synchronous writes: nothing is lost when the process exits).
 */
export function createLogger(config: LogConfig, destination?: DestinationStream): Logger {
  const level = logLevel(config, destination !== undefined);
  if (destination) return pino({ ...JSON_LINES, level }, destination);
  if (config.NODE_ENV === "development" && process.stdout.isTTY && level !== "silent") {
    // pino-pretty reads pino's numeric levels, so its lines keep them; it is loaded only on a developer's terminal.
    const pretty = createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty");
    return pino({ level }, pretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", sync: true }));
  }
  return pino({ ...JSON_LINES, level });
}

/** A logger whose lines (one JSON line each, without the newline) go to `write`: tests' capture of fault lines. */
export function lineLogger(write: (line: string) => void, level: LevelWithSilent): Logger {
  return pino({ ...JSON_LINES, level }, { write: (line: string) => write(line.endsWith("\n") ? line.slice(0, -1) : line) });
}

/** yoga's logger interface on a pino logger: an Error argument becomes pino's `err` (name, message, stack), the rest the message. */
export function yogaLoggerOf(logger: Logger): YogaLogger {
  const forward =
    (level: "debug" | "info" | "warn" | "error") =>
    (...args: unknown[]): void => {
      // yoga logs a debug message for every step of every request: skip building what would be dropped.
      if (!logger.isLevelEnabled(level)) return;
      const error = args.find((a): a is Error => a instanceof Error);
      const text = args
        .filter((a) => a !== error)
        .map((a) => (typeof a === "string" ? a : safeJson(a)))
        .join(" ");
      if (error) logger[level]({ err: error }, text || error.message);
      else logger[level](text);
    };
  return { debug: forward("debug"), info: forward("info"), warn: forward("warn"), error: forward("error") };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
