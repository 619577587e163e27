/** One problem found in the pipeline config, located by its JSON path. */
export interface ConfigIssue {
  /** JSON path of the offending field, e.g. `environments.production.reviewers`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** What would fix it: every problem says how to fix it. */
  readonly fix: string;
}

/** Thrown when the pipeline config cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  public readonly issues: readonly ConfigIssue[];
  public readonly source: string;

  /** `after`: a last line, e.g. that more checks run once these problems are fixed. */
  constructor(source: string, issues: readonly ConfigIssue[], after?: string) {
    super(after === undefined ? formatIssues(source, issues) : `${formatIssues(source, issues)}\n${after}`);
    this.name = "ConfigError";
    this.source = source;
    this.issues = issues;
  }
}

/** Formats issues one per line: `path: message — fix`. */
export function formatIssues(source: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => {
    const where = issue.path === "" ? "(root)" : issue.path;
    return `  ✖ ${where}: ${issue.message}${issue.fix ? ` — fix: ${issue.fix}` : ""}`;
  });
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return [`${source}: ${count}`, ...lines].join("\n");
}

/** Renders a path array (`["environments", "production", 0]`) as `environments.production[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
