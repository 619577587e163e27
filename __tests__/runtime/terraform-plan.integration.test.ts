/**
 * Terraform's own plan of the runtime's `for_each` resources. No Docker provider can be downloaded here, so each
 * docker_* resource and data source stands in as Terraform's built-in `terraform_data`, its arguments as `input`,
 * with the same `for_each`, `depends_on`, references (`docker_image.blue["web"].image_id` becomes that stand-in's
 * `output.image_id`), `dynamic` blocks (as the list they make) and `moved` blocks. Terraform then evaluates what the
 * synth wrote: every `each.key` and `each.value.…`, the variables, the moves. The plan review's expansion of the
 * same instances must agree with it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import { plannedInstances } from "../../review/instances";
import { describeWhen, temporaryDirectory } from "../helpers";
import { synthDeployment, type TerraformJson } from "./fixtures";

const TERRAFORM = ["/usr/local/bin/terraform", "/usr/bin/terraform"].find((candidate) => fs.existsSync(candidate));

type Json = Record<string, unknown>;

/** `docker_image.blue` → `terraform_data.docker_image__blue`; `data.docker_registry_image.blue` → `terraform_data.data__docker_registry_image__blue`. */
function standInName(type: string, name: string, data = false): string {
  return type === "terraform_data" ? name : `${data ? "data__" : ""}${type}__${name}`;
}

/** References to the runtime's resources and lookups, rewritten to their stand-ins' outputs. */
function rewriteReferences(text: string): string {
  return text.replace(/(?<![\w.])(data\.)?(docker_[a-z_]+)\.([A-Za-z0-9_-]+)((?:\["[^"\]]*"\])?)\.([a-z0-9_]+)/g, (_match, data: string | undefined, type: string, name: string, index: string, attribute: string) =>
    `terraform_data.${standInName(type, name, data !== undefined)}${index}.output.${attribute}`,
  );
}

function rewrite(value: unknown): unknown {
  if (typeof value === "string") return rewriteReferences(value);
  if (Array.isArray(value)) return value.map(rewrite);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, element]) => [key, rewrite(element)]));
  return value;
}

/** An HCL expression for a JSON value inside a `for` expression, where `iterator.value` is the element. */
function hcl(value: unknown, iterator: string): string {
  const reads = (text: string) => text.replace(new RegExp(`\\b${iterator}\\.value\\b`, "g"), "value").replace(new RegExp(`\\b${iterator}\\.key\\b`, "g"), "key");
  if (typeof value === "string") {
    const whole = /^\$\{(.*)\}$/s.exec(value);
    return whole ? reads(whole[1]) : reads(JSON.stringify(value));
  }
  if (Array.isArray(value)) return `[${value.map((element) => hcl(element, iterator)).join(", ")}]`;
  if (typeof value === "object" && value !== null) return `{ ${Object.entries(value).map(([key, element]) => `${JSON.stringify(key)} = ${hcl(element, iterator)}`).join(", ")} }`;
  return JSON.stringify(value);
}

/** Attributes the provider computes that the runtime reads: the stand-in's input declares them, so its output has them. */
const COMPUTED: Readonly<Record<string, readonly string[]>> = { docker_image: ["image_id"], docker_registry_image: ["sha256_digest"] };

/** A stand-in for one resource or data source: its arguments as `input`, its meta-arguments as they are. */
function standIn(type: string, body: Json): Json {
  const { "//": _metadata, provider: _provider, for_each: forEach, depends_on: dependsOn, lifecycle, dynamic, ...attributes } = body;
  const input = rewrite(attributes) as Json;
  for (const attribute of COMPUTED[type] ?? []) input[attribute] = "(computed by the provider)";
  for (const [block, spec] of Object.entries((dynamic ?? {}) as Record<string, { for_each: string; content: unknown; iterator?: string }>)) {
    const source = /^\$\{(.*)\}$/s.exec(spec.for_each)![1];
    input[block] = `\${[for key, value in ${source} : ${hcl(rewrite(spec.content), spec.iterator ?? block)}]}`;
  }
  const { postcondition: _postcondition, ...kept } = (lifecycle ?? {}) as Json;
  return {
    ...(forEach === undefined ? {} : { for_each: rewrite(forEach) }),
    ...(dependsOn === undefined
      ? {}
      : { depends_on: (dependsOn as string[]).map((address) => address.replace(/^(data\.)?(docker_[a-z_]+)\.(.+)$/, (_m, data: string | undefined, type: string, name: string) => `terraform_data.${standInName(type, name, data !== undefined)}`)) }),
    ...(Object.keys(kept).length > 0 ? { lifecycle: kept } : {}),
    ...(body["triggers_replace"] === undefined ? { input } : { triggers_replace: rewrite(body["triggers_replace"]) }),
  };
}

/** The stand-in configuration: the runtime's resources, lookups, variables and moves; nothing that needs a provider. */
function standInConfiguration(raw: TerraformJson): Json {
  const resources: Record<string, Json> = {};
  for (const [type, blocks] of Object.entries(raw.resource ?? {})) {
    if (!type.startsWith("docker_") && type !== "terraform_data") continue;
    for (const [name, body] of Object.entries(blocks)) resources[standInName(type, name)] = standIn(type, body);
  }
  for (const [type, blocks] of Object.entries(raw.data ?? {})) {
    if (!type.startsWith("docker_")) continue;
    for (const [name, body] of Object.entries(blocks)) resources[standInName(type, name, true)] = standIn(type, body);
  }
  const moved = (raw.moved ?? []).map(({ from, to }) => ({
    from: from.replace(/^(docker_[a-z_]+)\.(.+)$/, (_m, type: string, name: string) => `terraform_data.${standInName(type, name)}`),
    to: to.replace(/^(docker_[a-z_]+)\.([^[]+)/, (_m, type: string, name: string) => `terraform_data.${standInName(type, name)}`),
  }));
  return { variable: raw.variable, resource: { terraform_data: resources }, moved };
}

/** Values for every variable the stack declares without a default. */
const VARIABLES = {
  web_blue_version: "1.4.2-3f9a2c1",
  web_green_version: "1.4.1",
  web_active_slot: "green",
  api_blue_version: "2.0.0",
  api_green_version: "2.0.0",
  api_active_slot: "blue",
  secret_database_url: "postgres://fixture",
  secret_session_secret: "fixture",
  registry_username: "fixture",
  registry_password: "fixture",
};

interface PlannedResource {
  readonly address: string;
  readonly values: { readonly input?: unknown; readonly triggers_replace?: unknown };
}

function terraform(directory: string, ...args: string[]): string {
  const result = spawnSync(TERRAFORM!, args, { cwd: directory, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: "/dev/null" } });
  if (result.status !== 0) throw new Error(`terraform ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Every value of `expected` that holds no Terraform expression, with its path. */
function literalLeaves(value: unknown, at = ""): Array<[string, unknown]> {
  if (typeof value === "string") return value.includes("${") ? [] : [[at, value]];
  if (Array.isArray(value)) return value.flatMap((element, index) => literalLeaves(element, `${at}[${index}]`));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([key, element]) => literalLeaves(element, at ? `${at}.${key}` : key));
  return [[at, value]];
}

function at(value: unknown, pathText: string): unknown {
  let current = value;
  for (const [, key, index] of pathText.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (current === null || typeof current !== "object") return undefined;
    current = index !== undefined ? (current as unknown[])[Number(index)] : (current as Json)[key];
  }
  return current;
}

describeWhen(TERRAFORM !== undefined, "terraform is not installed: the for_each plan checks are skipped")("Terraform's plan of the runtime's for_each resources", () => {
  const API = { applicationName: "api", image: "ghcr.io/wtfb/api", strategy: DeploymentStrategy.blueGreen(), healthCheck: { command: ["./healthcheck"] }, containerPort: 8000 };
  const { raw } = synthDeployment({ strategy: DeploymentStrategy.blueGreen(), database: { migrationCommand: ["npm", "run", "db:migrate"] }, others: [API] });
  let planned: Map<string, PlannedResource>;
  let moves: Array<{ address: string; previous_address?: string }>;

  beforeAll(() => {
    const directory = temporaryDirectory("tf-plan");
    fs.writeFileSync(path.join(directory, "main.tf.json"), JSON.stringify(standInConfiguration(raw), null, 2));
    fs.writeFileSync(path.join(directory, "fixture.auto.tfvars.json"), JSON.stringify(VARIABLES));
    terraform(directory, "init", "-input=false", "-no-color");
    terraform(directory, "plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin");
    const plan = JSON.parse(terraform(directory, "show", "-json", "plan.bin")) as {
      planned_values: { root_module: { resources: PlannedResource[] } };
      resource_changes: Array<{ address: string; previous_address?: string }>;
    };
    planned = new Map(plan.planned_values.root_module.resources.map((resource) => [resource.address, resource]));
    moves = plan.resource_changes;
  }, 120000);

  /** The review's instances of every runtime resource, under their stand-ins' addresses. */
  const reviewed = () =>
    Object.entries(raw.resource ?? {})
      .filter(([type]) => type.startsWith("docker_") || type === "terraform_data")
      .flatMap(([type, blocks]) =>
        Object.entries(blocks).flatMap(([name, body]) =>
          plannedInstances(`${type}.${name}`, body).map((instance) => ({ address: instance.address.replace(`${type}.${name}`, `terraform_data.${standInName(type, name)}`), body: instance.body as Json })),
        ),
      );

  it("plans an instance per application of every role, as the review expands them", () => {
    const expected = reviewed().map((instance) => instance.address);
    const lookups = Object.entries(raw.data?.docker_registry_image ?? {}).flatMap(([name, body]) =>
      plannedInstances(`data.docker_registry_image.${name}`, body).map((instance) => instance.address.replace(`data.docker_registry_image.${name}`, `terraform_data.data__docker_registry_image__${name}`)),
    );
    expect([...planned.keys()].sort()).toEqual([...expected, ...lookups].sort());
    expect(planned.has('terraform_data.docker_container__blue_migrate["web"]')).toBe(true);
    expect(planned.has('terraform_data.docker_container__blue_migrate["api"]')).toBe(false);
  });

  it("fills in each instance's values as the review does", () => {
    let compared = 0;
    for (const instance of reviewed()) {
      const { "//": _metadata, provider: _provider, depends_on: _dependsOn, lifecycle: _lifecycle, ...attributes } = instance.body;
      const values = planned.get(instance.address)!.values;
      const actual = "triggers_replace" in attributes ? { triggers_replace: values.triggers_replace } : values.input;
      for (const [leaf, value] of literalLeaves(attributes)) {
        expect([instance.address, leaf, at(actual, leaf)]).toEqual([instance.address, leaf, value]);
        compared += 1;
      }
    }
    // The comparison covered the instances' names, labels, health checks, uploads and ports, not a handful of values.
    expect(compared).toBeGreaterThan(300);
  });

  it("evaluates the variables and references the synth wrote, per instance", () => {
    const input = (address: string) => planned.get(address)!.values.input as Json;
    expect(input('terraform_data.data__docker_registry_image__green["web"]')).toEqual({ name: "ghcr.io/wtfb/web:1.4.1", sha256_digest: "(computed by the provider)" });
    expect(input('terraform_data.docker_container__routing["web"]').upload).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: "/wtfb/check/routing/routing.conf", content: expect.stringContaining("default green;") })]),
    );
    expect(input('terraform_data.docker_container__routing["api"]').upload).toEqual(
      expect.arrayContaining([expect.objectContaining({ content: expect.stringContaining("default blue;") })]),
    );
    const labels = (address: string) => Object.fromEntries((input(address).labels as Array<{ label: string; value: string }>).map(({ label, value }) => [label, value]));
    expect(labels('terraform_data.docker_container__blue["web"]')).toMatchObject({ "wtfb.application": "web", "wtfb.version": "1.4.2-3f9a2c1", "wtfb.commit": "3f9a2c1" });
    expect(labels('terraform_data.docker_container__green["web"]')).toMatchObject({ "wtfb.version": "1.4.1", "wtfb.commit": "unknown" });
    expect(input('terraform_data.docker_container__proxy["web"]').ports).toEqual([{ internal: 8080, external: 8080 }]);
    expect(input('terraform_data.docker_container__proxy["api"]').ports).toEqual([]);
  });

  it("accepts the moved blocks, which take the earlier layout's addresses to this version's instances", () => {
    // Terraform validated every `moved` block (a bad address or type fails the plan); with no state, none applies.
    expect(moves.filter((change) => change.previous_address !== undefined)).toEqual([]);
    expect(standInConfiguration(raw).moved).toEqual(expect.arrayContaining([{ from: "terraform_data.docker_container__web_blue", to: 'terraform_data.docker_container__blue["web"]' }]));
  });
});
