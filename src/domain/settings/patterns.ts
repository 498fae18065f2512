// Regular expressions in settings, checked as PostHog checks them (no
// database): path cleaning rules are run by ClickHouse's re2
// (posthog/api/team.py validate_path_cleaning_filters compiles them with
// re2), trigger-group URL patterns by Python's `re`. JavaScript's RegExp
// stands in for both after translating the syntax they add; what re2 does
// not support (lookarounds, backreferences) is refused outright.

/** Python/re2 syntax JavaScript spells differently: `(?P<name>` groups, `(?P=name)` references, inline flags. */
function toJavaScript(source: string): string {
  return source
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?P=(\w+)\)/g, "\\k<$1>")
    .replace(/^\(\?[imsuxU]+\)/, "")
    .replace(/\(\?[imsuxU]+:/g, "(?:");
}

/** Constructs the pattern outside a character class that re2 refuses: lookarounds and backreferences. */
function re2Unsupported(source: string): string | null {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (!inClass && (/[1-9]/.test(next) || (next === "k" && source[i + 2] === "<"))) return "backreferences";
      i += 1;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
      if (source[i + 1] === "]") i += 1;
    } else if (c === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2, i + 4);
      if (rest[0] === "=" || rest[0] === "!" || rest === "<=" || rest === "<!") return "lookarounds";
    }
  }
  return null;
}

/** Why `source` does not compile as a Python `re` pattern, or null. */
export function pythonRegexProblem(source: string): string | null {
  try {
    new RegExp(toJavaScript(source));
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** How many capture groups a compiled pattern has. */
function captureGroups(source: string): number {
  return (new RegExp(`${source}|`).exec("") ?? [""]).length - 1;
}

/** Why `source` does not compile under re2, or its number of capture groups. */
export function re2Pattern(source: string): { problem: string } | { groups: number } {
  const unsupported = re2Unsupported(source);
  if (unsupported) return { problem: `re2 does not support ${unsupported}.` };
  const translated = toJavaScript(source);
  try {
    new RegExp(translated);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  return { groups: captureGroups(translated) };
}

/**
 * The capture groups a replacement alias refers to (`\1`..`\9`, `\0` for the
 * whole match); a doubled backslash is a literal one. As PostHog's
 * `_alias_backreferences`.
 */
export function aliasBackreferences(alias: string): number[] {
  const refs: number[] = [];
  for (let i = 0; i < alias.length; i++) {
    if (alias[i] !== "\\" || i + 1 >= alias.length) continue;
    const next = alias[i + 1];
    if (next === "\\") {
      i += 1;
    } else if (next >= "0" && next <= "9") {
      refs.push(Number(next));
      i += 1;
    }
  }
  return refs;
}
