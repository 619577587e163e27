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
export const TERRAFORM_CLI_CONFIG = process.env.WTFB_TERRAFORM_CLI_CONFIG ?? path.join(HARNESS_CACHE, "terraform-test.tfrc");

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

/** `terraform` on PATH, else the OpenTofu the build script built (it builds one only when no terraform is on PATH). */
export const TERRAFORM_BINARY: string | undefined = onPath("terraform") ?? [path.join(HARNESS_CACHE, "bin", "tofu")].find((candidate) => fs.existsSync(candidate));

/** The binary of a built provider in the mirror. */
export function providerBinary(name: keyof typeof REAL_PROVIDERS): string {
  const { source, version } = REAL_PROVIDERS[name];
  return path.join(PROVIDER_MIRROR, "registry.terraform.io", source, version, "linux_amd64", `terraform-provider-${name}_v${version}`);
}

/** Why the harness cannot run on this machine (naming what is missing and the fix), or undefined when it can. */
export function realProvidersMissing(): string | undefined {
  if (TERRAFORM_BINARY === undefined) return "neither terraform on PATH nor a built OpenTofu: run tools/providers/build.sh";
  for (const name of Object.keys(REAL_PROVIDERS) as Array<keyof typeof REAL_PROVIDERS>) {
    if (!fs.existsSync(providerBinary(name))) return `the ${name} provider is not built (${providerBinary(name)} is missing): run tools/providers/build.sh`;
  }
  if (!fs.existsSync(TERRAFORM_CLI_CONFIG)) return `the test-only Terraform CLI config ${TERRAFORM_CLI_CONFIG} is missing: run tools/providers/build.sh`;
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
  return { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0", TF_CLI_CONFIG_FILE: TERRAFORM_CLI_CONFIG, ...extra };
}

/** Runs terraform in a directory; never throws on a non-zero exit (see `terraformOrThrow`). */
export function runTerraform(directory: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): TerraformResult {
  if (TERRAFORM_BINARY === undefined) throw new Error(realProvidersMissing());
  const result = spawnSync(TERRAFORM_BINARY, args, { cwd: directory, encoding: "utf8", env: terraformEnvironment(env), maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs terraform and returns its stdout; a non-zero exit throws with both outputs. */
export function terraformOrThrow(directory: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const result = runTerraform(directory, args, env);
  if (result.status !== 0) throw new Error(`terraform ${args.join(" ")} failed (${result.status}) in ${directory}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export type StackJson = Record<string, any>;

/**
 * Writes a stack's JSON (a synthesized `cdk.tf.json`) into a fresh temporary directory as `main.tf.json` and runs
 * `terraform init` there, offline through the mirror. The backend is dropped (`-backend=false` for validate; a plan
 * keeps its state in the directory). Variables, when given, are written as `fixture.auto.tfvars.json`.
 */
export function initStack(stack: StackJson, options: { readonly variables?: Record<string, unknown>; readonly prefix?: string } = {}): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `wtfb-${options.prefix ?? "terraform"}-`));
  const { backend: _backend, ...terraformBlock } = stack.terraform ?? {};
  fs.writeFileSync(path.join(directory, "main.tf.json"), JSON.stringify({ ...stack, terraform: terraformBlock }, null, 2));
  if (options.variables !== undefined) fs.writeFileSync(path.join(directory, "fixture.auto.tfvars.json"), JSON.stringify(options.variables, null, 2));
  terraformOrThrow(directory, ["init", "-input=false", "-no-color", "-backend=false"]);
  return directory;
}

export interface ValidateOutput {
  readonly valid: boolean;
  readonly error_count: number;
  readonly warning_count: number;
  readonly diagnostics: ReadonlyArray<{ readonly severity: string; readonly summary: string; readonly detail?: string; readonly address?: string }>;
}

/** `terraform init` + `terraform validate -json` of a stack; returns the validation result (an invalid stack does not throw). */
export function validateStack(stack: StackJson, options: { readonly prefix?: string } = {}): ValidateOutput & { readonly directory: string } {
  const directory = initStack(stack, { prefix: options.prefix ?? "validate" });
  const result = runTerraform(directory, ["validate", "-json", "-no-color"]);
  if (result.stdout.trim() === "") throw new Error(`terraform validate printed nothing (${result.status}):\n${result.stderr}`);
  return { ...(JSON.parse(result.stdout) as ValidateOutput), directory };
}

/**
 * `terraform init` + `terraform plan` of a stack, then `terraform show -json` of the saved plan. A failed plan throws
 * with Terraform's output. `env` reaches the providers (e.g. DOCKER_HOST is not read: set the provider's host instead).
 */
export function planStack(
  stack: StackJson,
  options: { readonly variables?: Record<string, unknown>; readonly env?: NodeJS.ProcessEnv; readonly prefix?: string } = {},
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
 * `required_providers` entries, plus the variables, locals and moves. Throws when a kept block still refers to a
 * dropped one, so a stand-in never silently validates less than it claims.
 */
export function onlyProviders(stack: StackJson, keep: readonly string[]): StackJson {
  // Terraform's built-in terraform_data needs no provider: always kept.
  const keeps = (type: string) => type === "terraform_data" || keep.includes(providerOfType(type));
  const kept = (blocks: Record<string, unknown> | undefined) => (blocks === undefined ? undefined : Object.fromEntries(Object.entries(blocks).filter(([type]) => keeps(type))));
  const dropped = (blocks: Record<string, unknown> | undefined) => Object.keys(blocks ?? {}).filter((type) => !keeps(type));
  const droppedTypes = [...dropped(stack.resource), ...dropped(stack.data).map((type) => `data.${type}`)];
  const { required_providers: requiredProviders, ...terraformBlock } = stack.terraform ?? {};
  const copy: StackJson = {
    ...stack,
    terraform: { ...terraformBlock, required_providers: kept(requiredProviders) },
    provider: kept(stack.provider),
    resource: kept(stack.resource),
    data: kept(stack.data),
    moved: (stack.moved ?? []).filter((move: { to: string }) => keeps(move.to.split(".")[0])),
  };
  delete copy.output;
  for (const key of ["provider", "resource", "data", "moved"]) if (copy[key] === undefined || (Array.isArray(copy[key]) && copy[key].length === 0)) delete copy[key];
  const text = JSON.stringify({ resource: copy.resource, data: copy.data, provider: copy.provider });
  for (const type of droppedTypes) {
    if (new RegExp(`(?<![\\w.])${type.replace(".", "\\.")}\\.`).test(text)) throw new Error(`a kept block refers to ${type}, which onlyProviders(${keep.join(", ")}) dropped`);
  }
  return copy;
}
