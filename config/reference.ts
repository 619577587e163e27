/**
 * The config reference (docs/config-reference.md), generated from the JSON Schema of the zod schema, the
 * per-environment defaults and the environment-variable overrides, so it cannot drift from the code.
 */
import { ENVIRONMENT_NAMES } from "./environments";
import { ENVIRONMENT_DEFAULTS } from "./defaults";
import { configJsonSchema } from "./json-schema";
import { ENVIRONMENT_VARIABLE_OVERRIDES } from "./load";

export const CONFIG_REFERENCE_FILE = "docs/config-reference.md";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  format?: string;
  "x-sop"?: string;
};

interface Row {
  path: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
  sop?: string;
}

export function renderConfigReference(): string {
  const rows: Row[] = [];
  walk(configJsonSchema() as JsonSchema, "", true, rows, undefined);
  const lines = [
    "# Config reference",
    "",
    "<!-- Generated from config/schema.ts by `npm run docs`; do not edit. A test fails when it is out of date. -->",
    "",
    "`pipeline.config.json` (or the file named by `PIPELINE_CONFIG`) describes the repository, its applications and the three environments of the SOP.",
    "Unknown keys are rejected everywhere. `npm run validate` checks a config and lists every problem with its path and a fix: first every field against the schema, then, once those pass, the checks across fields.",
    'Editors autocomplete it through `pipeline.config.schema.json` (`"$schema": "./pipeline.config.schema.json"`).',
    "",
    "## Fields",
    "",
    "| Field | Type | Required | Default | SOP | Description |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (row) =>
        `| \`${row.path}\` | ${escape(row.type)} | ${row.required ? "yes" : ""} | ${row.default === undefined ? "" : `\`${escape(JSON.stringify(row.default))}\``} | ${row.sop ?? ""} | ${escape(row.description)} |`,
    ),
    "",
    "`<env>` stands for `development`, `staging` or `production`; `[]` for any item of a list.",
    "",
    "## Per-environment defaults",
    "",
    "Every field under `environments.<env>` is optional; what is not set takes these defaults (SOP §1.1 environment hierarchy, §4.2 strategies, §4.3 monitoring period, §5.1 rollback triggers). Lists replace the default; objects such as `runtime` and `monitoring` are merged field by field.",
    "",
    `| Setting | ${ENVIRONMENT_NAMES.join(" | ")} |`,
    `|---|${ENVIRONMENT_NAMES.map(() => "---").join("|")}|`,
    ...defaultRows(),
    "",
    "Every environment's deployment branch policy also admits `repository.defaultBranch`, because the rollback workflow runs from it (repository_dispatch and workflow_dispatch); staging and production also admit `repository.hotfixBranches` (SOP §7.2: hotfixes deploy to staging, then production).",
    "",
    "## Environment variables",
    "",
    "The loader reads a local `.env` file first (Node's `process.loadEnvFile`; variables already set win), then these variables override the config (SOP §1.2):",
    "",
    "| Variable | Overrides |",
    "|---|---|",
    "| `PIPELINE_CONFIG` | the config file to read (default `pipeline.config.json`, also when set but empty) |",
    ...ENVIRONMENT_VARIABLE_OVERRIDES.map((o) => `| \`${o.variable}\` | \`${o.path.join(".")}\` — ${o.description} |`),
    "",
    "Secret values are never read at synth: they reach Terraform at deploy time as `TF_VAR_secret_<name in lower case>` (for example `TF_VAR_secret_database_url`).",
    "",
  ];
  return lines.join("\n");
}

function walk(
  schema: JsonSchema,
  path: string,
  required: boolean,
  rows: Row[],
  inheritedSop: string | undefined,
): void {
  const sop = schema["x-sop"] ?? inheritedSop;
  if (path !== "" && !path.endsWith("[]")) {
    rows.push({
      path,
      type: typeOf(schema),
      required,
      default: schema.default,
      description: schema.description ?? "",
      sop: schema["x-sop"] ?? inheritedSop,
    });
  }
  if (schema.properties) {
    for (const [key, child] of Object.entries(schema.properties)) {
      if (key === "$schema") continue;
      const childPath = path === "" ? key : `${path}.${key}`;
      walk(
        child,
        path.startsWith("environments") && path.split(".").length === 1 ? `environments.<env>` : childPath,
        (schema.required ?? []).includes(key),
        rows,
        sop,
      );
      if (path === "environments") break; // the three environments share one shape: document it once
    }
  }
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    for (const variant of variants) {
      const discriminator = variant.properties?.type?.const;
      if (variant.properties) {
        for (const [key, child] of Object.entries(variant.properties)) {
          if (key === "type") continue;
          walk(child, `${path}.${key}`, (variant.required ?? []).includes(key), rows, sop);
          const last = rows[rows.length - 1];
          if (discriminator !== undefined && last)
            last.description = `(type ${JSON.stringify(discriminator)}) ${last.description}`.trim();
        }
      }
    }
  }
  if (schema.items && (schema.items.properties || schema.items.oneOf || schema.items.anyOf))
    walk(schema.items, `${path}[]`, true, rows, sop);
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    const types = variants.map((variant) =>
      variant.properties?.type?.const !== undefined
        ? `{type: ${JSON.stringify(variant.properties.type.const)}}`
        : typeOf(variant),
    );
    return [...new Set(types)].join(" | ");
  }
  if (schema.type === "array") return `${schema.items ? typeOf(schema.items) : "any"}[]`;
  if (
    schema.type === "object" &&
    schema.additionalProperties &&
    typeof schema.additionalProperties === "object" &&
    !schema.properties
  ) {
    return `map of ${typeOf(schema.additionalProperties)}`;
  }
  if (schema.type === "integer" || schema.type === "number") {
    const bounds = [
      schema.minimum !== undefined
        ? `≥ ${schema.minimum}`
        : schema.exclusiveMinimum !== undefined
          ? `> ${schema.exclusiveMinimum}`
          : "",
      schema.maximum !== undefined && schema.maximum < 1e15 ? `≤ ${schema.maximum}` : "",
    ].filter(Boolean);
    return `${schema.type}${bounds.length > 0 && (schema.minimum ?? 0) > -1e15 ? ` (${bounds.join(", ")})` : ""}`;
  }
  if (schema.format) return `${schema.type} (${schema.format})`;
  return Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "any");
}

function defaultRows(): string[] {
  const keys = Object.keys(ENVIRONMENT_DEFAULTS.development) as Array<
    keyof (typeof ENVIRONMENT_DEFAULTS)["development"]
  >;
  return keys.map(
    (key) =>
      `| \`${key}\` | ${ENVIRONMENT_NAMES.map((name) => `\`${escape(JSON.stringify(ENVIRONMENT_DEFAULTS[name][key]))}\``).join(" | ")} |`,
  );
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
