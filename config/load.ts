/**
 * Loads the pipeline config: reads the JSON file (PIPELINE_CONFIG or ./pipeline.config.json), applies
 * environment-variable overrides (a local .env file included), validates it with the zod schema and the
 * cross-field checks, and resolves per-environment defaults. Every problem of a round is reported at once: the
 * schema's first, then, once the config has its shape, the cross-field checks'.
 */
import * as fs from "fs";
import * as path from "path";
import type { z } from "zod";
import { CONFIG_CHECKS } from "./checks";
import { ENVIRONMENT_NAMES } from "./environments";
import { ConfigError, formatPath, type ConfigIssue } from "./errors";
import { resolveConfig } from "./resolve";
import { pipelineConfigSchema } from "./schema";
import type { PipelineConfig } from "./types";

export const DEFAULT_CONFIG_FILE = "pipeline.config.json";

/** An environment variable that overrides one config field (SOP §1.2: environment-specific configuration in environment variables). */
export interface EnvironmentVariableOverride {
  readonly variable: string;
  readonly path: readonly string[];
  readonly description: string;
}

/** Every environment variable the loader reads, and the field each one overrides. */
export const ENVIRONMENT_VARIABLE_OVERRIDES: readonly EnvironmentVariableOverride[] = [
  {
    variable: "WTFB_REPOSITORY_OWNER",
    path: ["repository", "owner"],
    description: "Owner of the application repository.",
  },
  {
    variable: "WTFB_REPOSITORY_NAME",
    path: ["repository", "name"],
    description: "Name of the application repository.",
  },
  { variable: "WTFB_GRAFANA_URL", path: ["monitoring", "grafanaUrl"], description: "Base URL of Grafana." },
  {
    variable: "WTFB_GRAFANA_VERSION",
    path: ["monitoring", "grafanaVersion"],
    description: "Version of that Grafana (12.0 or later).",
  },
  ...ENVIRONMENT_NAMES.flatMap((name) => [
    {
      variable: `WTFB_${name.toUpperCase()}_DOCKER_HOST`,
      path: ["environments", name, "runtime", "dockerHost"],
      description: `Docker host of ${name}.`,
    },
    {
      variable: `WTFB_${name.toUpperCase()}_PROMETHEUS_URL`,
      path: ["environments", name, "monitoring", "prometheusUrl"],
      description: `Prometheus URL of ${name}.`,
    },
  ]),
];

export interface LoadConfigOptions {
  /** Config file. @default - $PIPELINE_CONFIG when set and not empty, else pipeline.config.json in `cwd` */
  readonly file?: string;
  /** Directory the config file and .env are looked up in. @default process.cwd() */
  readonly cwd?: string;
  /** Environment to read overrides from. @default process.env (after loading .env) */
  readonly env?: NodeJS.ProcessEnv;
  /** Load `.env` from `cwd` into process.env first (variables already set win). @default true when `env` is not given */
  readonly loadDotEnv?: boolean;
}

export interface LoadedConfig {
  readonly config: PipelineConfig;
  /** Absolute path of the file read. */
  readonly file: string;
  /** Environment variables that overrode a field. */
  readonly overriddenBy: readonly string[];
}

/**
 * Reads the config file (`options.file`, else $PIPELINE_CONFIG, else pipeline.config.json in `cwd`), loads `.env` from
 * `cwd` into process.env (unless `env` is given), applies the `WTFB_*` overrides (`ENVIRONMENT_VARIABLE_OVERRIDES`),
 * then validates and resolves it as `parseConfig` does. Throws ConfigError listing every problem.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  if (options.loadDotEnv ?? options.env === undefined) {
    const dotEnv = path.join(cwd, ".env");
    if (fs.existsSync(dotEnv)) process.loadEnvFile(dotEnv);
  }
  const env = options.env ?? process.env;
  // An empty PIPELINE_CONFIG (`PIPELINE_CONFIG= cdktf synth`, an unset CI variable) means the default, as unset does.
  const file = path.resolve(cwd, options.file || env.PIPELINE_CONFIG || DEFAULT_CONFIG_FILE);
  const source = path.relative(cwd, file) || file;

  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "does not exist"
        : `cannot be read (${(error as Error).message})`;
    throw new ConfigError(source, [
      {
        path: "",
        message: `the config file ${reason}`,
        fix: `create it (see pipeline.config.json in wtfb-deploy), or point PIPELINE_CONFIG at your config`,
      },
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, [
      {
        path: "",
        message: `is not valid JSON: ${describeJsonError(text, error as Error)}`,
        fix: "correct the JSON syntax at that line (a trailing comma or a missing quote is the usual cause)",
      },
    ]);
  }
  const overriddenBy = applyEnvironmentOverrides(raw, env);
  return { config: parseConfig(raw, source, overriddenBy), file, overriddenBy: overriddenBy.map((o) => o.variable) };
}

/** The checks that compare fields need every field valid: they run, and report, in a second round. */
const CROSS_FIELD_CHECKS_LATER =
  "  (once these are fixed, the checks across fields run too: host ports, secrets, strategies, branches, reviewers, deployment windows, alerts)";

/**
 * Validates and resolves a config object, exactly as given (for library users composing stacks without a file). It
 * reads nothing else: no file, no `.env`, and no `WTFB_*` environment variable overrides. To apply those, use
 * `loadConfig` (from a file), which reads the file, loads `.env`, applies the overrides, then calls this.
 */
export function parseConfig(
  raw: unknown,
  source = "pipeline config",
  overriddenBy: readonly EnvironmentVariableOverride[] = [],
): PipelineConfig {
  const parsed = pipelineConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      source,
      annotate(
        parsed.error.issues.flatMap((issue) => toConfigIssues(issue, raw)),
        overriddenBy,
      ),
      CROSS_FIELD_CHECKS_LATER,
    );
  }
  const config = resolveConfig(parsed.data);
  const issues = CONFIG_CHECKS.flatMap((check) => check(config));
  if (issues.length > 0) throw new ConfigError(source, annotate(issues, overriddenBy));
  return config;
}

function applyEnvironmentOverrides(raw: unknown, env: NodeJS.ProcessEnv): EnvironmentVariableOverride[] {
  if (!isPlainObject(raw)) return [];
  const applied: EnvironmentVariableOverride[] = [];
  for (const override of ENVIRONMENT_VARIABLE_OVERRIDES) {
    const value = env[override.variable];
    if (value === undefined || value === "") continue;
    let node: Record<string, unknown> = raw;
    for (const key of override.path.slice(0, -1)) {
      if (!isPlainObject(node[key])) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[override.path[override.path.length - 1]] = value;
    applied.push(override);
  }
  return applied;
}

function annotate(issues: ConfigIssue[], overriddenBy: readonly EnvironmentVariableOverride[]): ConfigIssue[] {
  return issues.map((issue) => {
    const override = overriddenBy.find((o) => o.path.join(".") === issue.path);
    return override ? { ...issue, message: `${issue.message} (the value comes from ${override.variable})` } : issue;
  });
}

type ZodIssue = z.core.$ZodIssue;

function toConfigIssues(issue: ZodIssue, raw: unknown, prefix: PropertyKey[] = []): ConfigIssue[] {
  const fullPath = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // Report the alternative the input was aiming at: the one whose problems are not "wrong type at the root".
    const branch =
      issue.errors.find((errors) => !errors.every((e) => e.code === "invalid_type" && e.path.length === 0)) ??
      issue.errors[0];
    return branch.flatMap((nested) => toConfigIssues(nested, raw, fullPath));
  }
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const known = knownKeysAt(fullPath);
      const suggestion = closest(key, known);
      const custom = !issue.message.startsWith("Unrecognized key");
      return {
        path: formatPath([...fullPath, key]),
        // A custom message names every unknown key of the object; each issue names its own.
        message: custom
          ? issue.message.replace(issue.keys.map((k) => JSON.stringify(k)).join(", "), JSON.stringify(key))
          : `unknown key ${JSON.stringify(key)}`,
        fix: suggestion
          ? `did you mean ${JSON.stringify(suggestion)}? (unknown keys are rejected to catch typos)`
          : `remove it; allowed here: ${known.join(", ") || "nothing"}`,
      };
    });
  }
  const value = valueAt(raw, fullPath);
  const message = humanMessage(issue, value);
  const fix = fixFor(issue, value);
  return [
    fix === undefined
      ? { path: formatPath(fullPath), ...splitFix(message, value, fullPath) }
      : { path: formatPath(fullPath), message, fix },
  ];
}

/**
 * A schema message that says what to do after a semicolon ("unknown strategy; use one of …") is split there; one that
 * states a rule ("must be a GitHub username") gets that rule as its fix; any other points at the field's reference.
 */
function splitFix(message: string, value: unknown, at: PropertyKey[]): { message: string; fix: string } {
  const semicolon = message.indexOf("; ");
  if (semicolon > 0) return { message: message.slice(0, semicolon), fix: message.slice(semicolon + 2) };
  const rule = /^must (not )?(be )?(.*)$/.exec(message);
  if (rule) {
    const current = value === undefined ? "it" : JSON.stringify(value).slice(0, 60);
    return {
      message,
      fix: `change ${current} to a value that ${rule[1] ? "does not " : rule[2] ? "is " : ""}${rule[3]}`,
    };
  }
  const field = at.filter((part) => typeof part === "string").join(".");
  return { message, fix: `see ${field || "the config"} in docs/config-reference.md` };
}

function humanMessage(issue: ZodIssue, value: unknown): string {
  if (issue.code === "invalid_type") {
    return value === undefined
      ? `is required (expected ${issue.expected})`
      : `expected ${issue.expected}, got ${describeType(value)}`;
  }
  return issue.message
    .replace(/^Invalid input: /, "")
    .replace(/^Too small: /, "")
    .replace(/^Too big: /, "");
}

function fixFor(issue: ZodIssue, value: unknown): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return `make it ${typeHint(issue.expected)}`;
    case "invalid_value": {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
      const suggestion =
        typeof value === "string"
          ? closest(
              value,
              issue.values.filter((v): v is string => typeof v === "string"),
            )
          : undefined;
      return suggestion ? `did you mean ${JSON.stringify(suggestion)}? (allowed: ${allowed})` : `use one of ${allowed}`;
    }
    case "too_small":
      return issue.origin === "array"
        ? `list at least ${issue.minimum} item(s)`
        : `use a value of at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array"
        ? `list at most ${issue.maximum} item(s)`
        : `use a value of at most ${issue.maximum}`;
    default:
      return undefined;
  }
}

/** What to write for a JSON type, in words a config author knows. */
function typeHint(expected: string): string {
  switch (expected) {
    case "object":
      return "a JSON object ({ … })";
    case "array":
      return "a list ([ … ])";
    case "string":
      return "a string in double quotes";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return `a value of type ${expected}`;
  }
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

function valueAt(raw: unknown, at: PropertyKey[]): unknown {
  let node = raw;
  for (const key of at) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Keys the schema allows at a path, for "did you mean" hints. Walks zod's own definitions. */
function knownKeysAt(at: PropertyKey[]): string[] {
  let schemas: z.core.$ZodType[] = [pipelineConfigSchema];
  for (const key of at) {
    schemas = schemas.flatMap(unwrap).flatMap((schema) => {
      const def = schema._zod.def as unknown as Record<string, unknown>;
      if (def.type === "object") {
        const shape = def.shape as Record<string, z.core.$ZodType>;
        return typeof key === "string" && shape[key] ? [shape[key]] : [];
      }
      if (def.type === "array") return [def.element as z.core.$ZodType];
      if (def.type === "record") return [def.valueType as z.core.$ZodType];
      return [];
    });
  }
  return [
    ...new Set(
      schemas.flatMap(unwrap).flatMap((schema) => {
        const def = schema._zod.def as unknown as Record<string, unknown>;
        return def.type === "object" ? Object.keys(def.shape as object) : [];
      }),
    ),
  ];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
      return unwrap(def.innerType as z.core.$ZodType);
    case "pipe":
      return unwrap(def.in as z.core.$ZodType);
    case "union":
      return (def.options as z.core.$ZodType[]).flatMap(unwrap);
    default:
      return [schema];
  }
}

/**
 * The candidate a mistyped or shortened word most likely meant: one it starts (`prod` → production, `dev` →
 * development), one that shares its first four letters (`stage` → staging), else the nearest by edit distance.
 */
function closest(word: string, candidates: string[]): string | undefined {
  const lower = word.toLowerCase();
  if (lower.length >= 3) {
    const started = candidates.filter((candidate) => candidate.toLowerCase().startsWith(lower));
    if (started.length === 1) return started[0];
    const shared = candidates.filter(
      (candidate) => lower.length >= 4 && candidate.toLowerCase().startsWith(lower.slice(0, 4)),
    );
    if (shared.length === 1) return shared[0];
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function describeJsonError(text: string, error: Error): string {
  const match = /position (\d+)/.exec(error.message);
  if (!match) return error.message;
  const position = Number(match[1]);
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `${error.message.replace(/ in JSON at position \d+.*$/, "")} at line ${line}, column ${column}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
