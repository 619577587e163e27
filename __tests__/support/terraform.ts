/**
 * The real-provider harness: Terraform (or OpenTofu) with the GitHub and Docker providers that
 * `tools/providers/build.sh` builds and installs as a filesystem mirror. Tests write a stack's JSON into a temporary
 * directory, `terraform init` it offline through the test-only CLI config, then validate or plan it.
 * The API is described in docs/testing.md; other suites copy it as it is.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeWhen } from "../helpers";

/** Where the harness keeps what it builds (outside the repository). Same default as tools/providers/build.sh. */
export const HARNESS_CACHE = process.env.WTFB_CACHE_DIR ?? path.join(os.homedir(), ".cache", "wtfb-deploy");
/** The filesystem mirror (unpacked layout) holding the built providers. */
export const PROVIDER_MIRROR = process.env.WTFB_PROVIDER_MIRROR ?? path.join(HARNESS_CACHE, "providers");
/** The test-only Terraform CLI config the build script writes: the mirror for the built providers, direct for the rest. */
export const TERRAFORM_CLI_CONFIG =
  process.env.WTFB_TERRAFORM_CLI_CONFIG ?? path.join(HARNESS_CACHE, "terraform-test.tfrc");

/** The providers the harness builds, at the versions the stacks pin. */
export const REAL_PROVIDERS = {
  github: { source: "integrations/github", version: "6.6.0" },
  docker: { source: "kreuzwerker/docker", version: "4.6.0" },
} as const;

function onPath(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? "").split(path.delimiter)) {
    if (directory === "") continue;
    const candidate = path.join(directory, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * WTFB_TERRAFORM_BINARY when set, else `terraform` on PATH, else the OpenTofu the build script built (it builds one
 * only when no terraform is on PATH).
 */
export const TERRAFORM_BINARY: string | undefined =
  process.env.WTFB_TERRAFORM_BINARY ||
  onPath("terraform") ||
  [path.join(HARNESS_CACHE, "bin", "tofu")].find((candidate) => fs.existsSync(candidate));

/** The binary of a built provider in the mirror. */
export function providerBinary(name: keyof typeof REAL_PROVIDERS): string {
  const { source, version } = REAL_PROVIDERS[name];
  return path.join(
    PROVIDER_MIRROR,
    "registry.terraform.io",
    source,
    version,
    "linux_amd64",
    `terraform-provider-${name}_v${version}`,
  );
}

/** Why the harness cannot run on this machine (naming what is missing and the fix), or undefined when it can. */
export function realProvidersMissing(): string | undefined {
  if (TERRAFORM_BINARY === undefined)
    return "neither terraform on PATH nor a built OpenTofu: run tools/providers/build.sh";
  for (const name of Object.keys(REAL_PROVIDERS) as Array<keyof typeof REAL_PROVIDERS>) {
    if (!fs.existsSync(providerBinary(name)))
      return `the ${name} provider is not built (${providerBinary(name)} is missing): run tools/providers/build.sh`;
  }
  if (!fs.existsSync(TERRAFORM_CLI_CONFIG))
    return `the test-only Terraform CLI config ${TERRAFORM_CLI_CONFIG} is missing: run tools/providers/build.sh`;
  return undefined;
}

/**
 * `describe` for a suite that needs the real providers: skips with a warning on a developer's machine without them,
 * fails under CI (where `.ci/run` builds them), naming what is missing.
 */
export function describeWithRealProviders(extraMissing?: string): (name: string, suite: () => void) => void {
  const missing = realProvidersMissing() ?? extraMissing;
  return describeWhen(missing === undefined, `${missing}: the real-provider checks are skipped`);
}

export interface TerraformResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment terraform runs with: the test-only CLI config, no telemetry, no prompts. */
export function terraformEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    TF_CLI_CONFIG_FILE: TERRAFORM_CLI_CONFIG,
    ...extra,
  };
}

/** Runs terraform in a directory; never throws on a non-zero exit (see `terraformOrThrow`). */
export function runTerraform(directory: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): TerraformResult {
  if (TERRAFORM_BINARY === undefined) throw new Error(realProvidersMissing());
  const result = spawnSync(TERRAFORM_BINARY, args, {
    cwd: directory,
    encoding: "utf8",
    env: terraformEnvironment(env),
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs terraform and returns its stdout; a non-zero exit throws with both outputs. */
export function terraformOrThrow(directory: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const result = runTerraform(directory, args, env);
  if (result.status !== 0)
    throw new Error(
      `terraform ${args.join(" ")} failed (${result.status}) in ${directory}:\n${result.stdout}\n${result.stderr}`,
    );
  return result.stdout;
}

export type StackJson = Record<string, any>;

/**
 * Writes a stack's JSON (a synthesized `cdk.tf.json`) into a fresh temporary directory as `main.tf.json` and runs
 * `terraform init` there, offline through the mirror. The backend is dropped (`-backend=false` for validate; a plan
 * keeps its state in the directory). Variables, when given, are written as `fixture.auto.tfvars.json`.
 */
export function initStack(
  stack: StackJson,
  options: { readonly variables?: Record<string, unknown>; readonly prefix?: string } = {},
): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `wtfb-${options.prefix ?? "terraform"}-`));
  const { backend: _backend, ...terraformBlock } = stack.terraform ?? {};
  fs.writeFileSync(
    path.join(directory, "main.tf.json"),
    JSON.stringify({ ...stack, terraform: terraformBlock }, null, 2),
  );
  if (options.variables !== undefined)
    fs.writeFileSync(path.join(directory, "fixture.auto.tfvars.json"), JSON.stringify(options.variables, null, 2));
  terraformOrThrow(directory, ["init", "-input=false", "-no-color", "-backend=false"]);
  return directory;
}

export interface ValidateOutput {
  readonly valid: boolean;
  readonly error_count: number;
  readonly warning_count: number;
  readonly diagnostics: ReadonlyArray<{
    readonly severity: string;
    readonly summary: string;
    readonly detail?: string;
    readonly address?: string;
  }>;
}

/** `terraform init` + `terraform validate -json` of a stack; returns the validation result (an invalid stack does not throw). */
export function validateStack(
  stack: StackJson,
  options: { readonly prefix?: string } = {},
): ValidateOutput & { readonly directory: string } {
  const directory = initStack(stack, { prefix: options.prefix ?? "validate" });
  const result = runTerraform(directory, ["validate", "-json", "-no-color"]);
  if (result.stdout.trim() === "")
    throw new Error(`terraform validate printed nothing (${result.status}):\n${result.stderr}`);
  return { ...(JSON.parse(result.stdout) as ValidateOutput), directory };
}

/**
 * `terraform init` + `terraform plan` of a stack, then `terraform show -json` of the saved plan. A failed plan throws
 * with Terraform's output. `env` reaches the providers (e.g. DOCKER_HOST is not read: set the provider's host instead).
 */
export function planStack(
  stack: StackJson,
  options: {
    readonly variables?: Record<string, unknown>;
    readonly env?: NodeJS.ProcessEnv;
    readonly prefix?: string;
  } = {},
): { readonly directory: string; readonly plan: any } {
  const directory = initStack(stack, { variables: options.variables, prefix: options.prefix ?? "plan" });
  terraformOrThrow(directory, ["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"], options.env);
  const plan = JSON.parse(terraformOrThrow(directory, ["show", "-json", "plan.bin"], options.env));
  return { directory, plan };
}

/** The provider a resource or data source type belongs to (`docker_container` → `docker`). */
function providerOfType(type: string): string {
  return type.split("_")[0];
}

/**
 * A copy of a stack with only the given providers' blocks: their resources, data sources, provider configurations and
 * `required_providers` entries, plus the variables, locals, moves and `removed` blocks of kept types. Throws when a kept block still refers to a
 * dropped one, so a stand-in never silently validates less than it claims.
 */
export function onlyProviders(stack: StackJson, keep: readonly string[]): StackJson {
  // Terraform's built-in terraform_data needs no provider: always kept.
  const keeps = (type: string) => type === "terraform_data" || keep.includes(providerOfType(type));
  const kept = (blocks: Record<string, unknown> | undefined) =>
    blocks === undefined ? undefined : Object.fromEntries(Object.entries(blocks).filter(([type]) => keeps(type)));
  const dropped = (blocks: Record<string, unknown> | undefined) =>
    Object.keys(blocks ?? {}).filter((type) => !keeps(type));
  const droppedTypes = [...dropped(stack.resource), ...dropped(stack.data).map((type) => `data.${type}`)];
  const { required_providers: requiredProviders, ...terraformBlock } = stack.terraform ?? {};
  const copy: StackJson = {
    ...stack,
    terraform: { ...terraformBlock, required_providers: kept(requiredProviders) },
    provider: kept(stack.provider),
    resource: kept(stack.resource),
    data: kept(stack.data),
    moved: (stack.moved ?? []).filter((move: { to: string }) => keeps(move.to.split(".")[0])),
    removed: (stack.removed ?? []).filter((block: { from: string }) => keeps(block.from.split(".")[0])),
  };
  delete copy.output;
  for (const key of ["provider", "resource", "data", "moved", "removed"])
    if (copy[key] === undefined || (Array.isArray(copy[key]) && copy[key].length === 0)) delete copy[key];
  const text = JSON.stringify({ resource: copy.resource, data: copy.data, provider: copy.provider });
  for (const type of droppedTypes) {
    if (new RegExp(`(?<![\\w.])${type.replace(".", "\\.")}\\.`).test(text))
      throw new Error(`a kept block refers to ${type}, which onlyProviders(${keep.join(", ")}) dropped`);
  }
  return copy;
}

/** One block of a provider schema, as `terraform providers schema -json` prints it. */
export interface SchemaBlock {
  readonly attributes?: Record<
    string,
    {
      readonly type: unknown;
      readonly required?: boolean;
      readonly optional?: boolean;
      readonly computed?: boolean;
      readonly deprecated?: boolean;
    }
  >;
  readonly block_types?: Record<
    string,
    {
      readonly nesting_mode: string;
      readonly block: SchemaBlock;
      readonly min_items?: number;
      readonly max_items?: number;
    }
  >;
}

/** One provider's part of `terraform providers schema -json`. */
export interface ProviderSchema {
  readonly provider: { readonly block: SchemaBlock };
  readonly resource_schemas: Record<string, { readonly block: SchemaBlock }>;
  readonly data_source_schemas?: Record<string, { readonly block: SchemaBlock }>;
}

/** `terraform providers schema -json` of the built providers, keyed by provider name (`github`, `docker`). */
export function realProviderSchemas(): Record<keyof typeof REAL_PROVIDERS, ProviderSchema> {
  const required = Object.fromEntries(Object.entries(REAL_PROVIDERS).map(([name, requirement]) => [name, requirement]));
  const directory = initStack({ terraform: { required_providers: required } }, { prefix: "schema" });
  const schemas = JSON.parse(terraformOrThrow(directory, ["providers", "schema", "-json"])).provider_schemas as Record<
    string,
    ProviderSchema
  >;
  const of = (source: string) => {
    const key = Object.keys(schemas).find((candidate) => candidate.endsWith(`/${source}`));
    if (key === undefined) throw new Error(`terraform providers schema -json printed no ${source}`);
    return schemas[key];
  };
  return { github: of(REAL_PROVIDERS.github.source), docker: of(REAL_PROVIDERS.docker.source) };
}

/** Meta-arguments and cdktf's metadata: not the provider's. */
const META_ARGUMENTS = new Set([
  "//",
  "provider",
  "for_each",
  "count",
  "depends_on",
  "lifecycle",
  "connection",
  "provisioner",
  "alias",
]);

/** Does a JSON value fit a Terraform type? A value holding an expression fits any type (Terraform checks it later). */
function fits(type: unknown, value: unknown): boolean {
  if (value === null || (typeof value === "string" && value.includes("${"))) return true;
  if (type === "dynamic") return true;
  if (type === "string") return ["string", "number", "boolean"].includes(typeof value);
  if (type === "number")
    return (
      typeof value === "number" || (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
    );
  if (type === "bool") return typeof value === "boolean" || value === "true" || value === "false";
  if (!Array.isArray(type)) return false;
  const [kind, element] = type as [string, unknown];
  if (kind === "list" || kind === "set") return Array.isArray(value) && value.every((item) => fits(element, item));
  if (kind === "map")
    return (
      typeof value === "object" &&
      !Array.isArray(value) &&
      Object.values(value as object).every((item) => fits(element, item))
    );
  if (kind === "object") {
    const attributes = element as Record<string, unknown>;
    return (
      typeof value === "object" &&
      !Array.isArray(value) &&
      Object.entries(value as object).every(([key, item]) => key in attributes && fits(attributes[key], item))
    );
  }
  if (kind === "tuple")
    return (
      Array.isArray(value) &&
      value.length === (element as unknown[]).length &&
      value.every((item, index) => fits((element as unknown[])[index], item))
    );
  return false;
}

function blockProblems(block: SchemaBlock, value: Record<string, unknown>, at: string, problems: string[]): void {
  const dynamic = (value.dynamic ?? {}) as Record<string, { content?: Record<string, unknown> }>;
  for (const [key, item] of Object.entries(value)) {
    if (META_ARGUMENTS.has(key)) continue;
    if (key === "dynamic") {
      for (const [name, spec] of Object.entries(dynamic)) {
        const nested = block.block_types?.[name];
        if (nested === undefined) problems.push(`${at}: dynamic block ${name} is not a block of the schema`);
        else blockProblems(nested.block, spec.content ?? {}, `${at}.${name}[dynamic]`, problems);
      }
      continue;
    }
    const attribute = block.attributes?.[key];
    const nested = block.block_types?.[key];
    if (attribute !== undefined) {
      if (attribute.computed && !attribute.optional && !attribute.required)
        problems.push(`${at}.${key}: computed by the provider, cannot be set`);
      if (attribute.deprecated) problems.push(`${at}.${key}: deprecated`);
      if (!fits(attribute.type, item))
        problems.push(`${at}.${key}: ${JSON.stringify(item)} does not fit ${JSON.stringify(attribute.type)}`);
    } else if (nested !== undefined) {
      if (typeof item === "string" && item.includes("${")) continue;
      const items = (Array.isArray(item) ? item : [item]) as Array<Record<string, unknown>>;
      if (nested.max_items !== undefined && nested.max_items > 0 && items.length > nested.max_items)
        problems.push(`${at}.${key}: ${items.length} blocks, at most ${nested.max_items}`);
      items.forEach((element, index) => blockProblems(nested.block, element, `${at}.${key}[${index}]`, problems));
    } else {
      problems.push(`${at}.${key}: not in the schema`);
    }
  }
  for (const [key, attribute] of Object.entries(block.attributes ?? {})) {
    if (attribute.required && !(key in value)) problems.push(`${at}.${key}: required, not set`);
  }
  for (const [key, nested] of Object.entries(block.block_types ?? {})) {
    if ((nested.min_items ?? 0) > 0 && !(key in value) && !(key in dynamic))
      problems.push(`${at}.${key}: required block, not set`);
  }
}

/**
 * What a provider's schema says is wrong with a stack's blocks of that provider (its configuration, resources and
 * data sources): attributes and blocks the schema lacks, values of the wrong type, computed-only or deprecated
 * attributes set, required ones missing. An expression fits any type (Terraform checks those). Empty: none.
 */
export function schemaProblems(stack: StackJson, providerName: string, schema: ProviderSchema): string[] {
  const problems: string[] = [];
  for (const configuration of (stack.provider?.[providerName] ?? []) as Array<Record<string, unknown>>)
    blockProblems(schema.provider.block, configuration, `provider.${providerName}`, problems);
  for (const [kind, schemas] of [
    ["resource", schema.resource_schemas],
    ["data", schema.data_source_schemas ?? {}],
  ] as const) {
    for (const [type, blocks] of Object.entries(
      (stack[kind] ?? {}) as Record<string, Record<string, Record<string, unknown>>>,
    )) {
      if (providerOfType(type) !== providerName) continue;
      const typeSchema = schemas[type];
      if (typeSchema === undefined) {
        problems.push(
          `${kind === "data" ? "data." : ""}${type}: not a ${kind === "data" ? "data source" : "resource"} of the provider`,
        );
        continue;
      }
      for (const [name, body] of Object.entries(blocks))
        blockProblems(typeSchema.block, body, `${kind === "data" ? "data." : ""}${type}.${name}`, problems);
    }
  }
  return problems;
}
