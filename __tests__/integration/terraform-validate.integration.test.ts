/**
 * `terraform init` + `terraform validate` of every synthesized stack with the real GitHub and Docker providers
 * (built by tools/providers/build.sh, installed from the filesystem mirror): the shipped config, a config of four
 * applications with every strategy, and a stack composed from the exported constructs.
 *
 * Stand-in for Grafana: its provider cannot be built here (its module graph needs modules this environment does not
 * serve), and `terraform init` cannot install a provider the stack requires but nobody serves. So Terraform validates
 * a copy of each stack without its grafana blocks (`onlyProviders`, which fails if a kept block refers to a dropped
 * one), and the grafana blocks are checked against the provider's published schema (../shared/schemas, v4.45.1):
 * attribute names, types, required attributes and blocks. What that check cannot see: provider-side validation
 * functions and plan-time checks of the Grafana provider.
 */
import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import {
  DeploymentEnvironment,
  DeploymentStrategy,
  DockerHost,
  EnvironmentSecrets,
  ServiceDeployment,
  pinProviderVersions,
} from "../../index";
import { synthesizePipeline } from "../../stacks/synthesize";
import { PROJECT_ROOT, readTree, shippedConfig, temporaryDirectory } from "../helpers";
import {
  describeWithRealProviders,
  onlyProviders,
  realProviderSchemas,
  schemaProblems,
  validateStack,
  type ProviderSchema,
  type StackJson,
} from "../support/terraform";

const GRAFANA_SCHEMA = path.resolve(PROJECT_ROOT, "..", "shared", "schemas", "grafana-provider.schema.json");

/** The stacks `npm run synth` writes for a config, name → JSON. */
function synthesizedStacks(label: string, config = shippedConfig()): Array<[string, StackJson]> {
  const outdir = path.join(temporaryDirectory(label), "cdktf.out");
  synthesizePipeline({ config, outdir });
  return Object.entries(readTree(outdir))
    .filter(([file]) => file.endsWith("cdk.tf.json"))
    .map(([file, text]) => [`${label}/${path.basename(path.dirname(file))}`, JSON.parse(text)]);
}

/** The shipped config with four applications: every strategy's roles, with and without a database. */
function fourApplications() {
  return shippedConfig((raw) => {
    const web = raw.applications[0];
    const { database: _database, ...withoutDatabase } = web;
    raw.applications = [
      web,
      { ...web, name: "api", image: "ghcr.io/wtfb/api", hostPort: 8081 },
      { ...withoutDatabase, name: "worker", image: "ghcr.io/wtfb/worker", hostPort: 8082, cpus: 0.5 },
      { ...withoutDatabase, name: "admin", image: "registry.example.com:5000/wtfb/admin", hostPort: 8083 },
    ];
  });
}

/** A stack a user composes from the exported constructs, as the README shows. */
function composedStack(): [string, StackJson] {
  const stack = new TerraformStack(new App({ outdir: temporaryDirectory("composed") }), "composed");
  pinProviderVersions(stack);
  new GithubProvider(stack, "github", { owner: "someone" });
  const environment = new DeploymentEnvironment(stack, "environment", {
    repository: "shop",
    environmentName: "staging",
    reviewerUsers: ["alice"],
  });
  const secrets = new EnvironmentSecrets(stack, "secrets", { environment, secrets: [{ name: "DATABASE_URL" }] });
  const host = new DockerHost(stack, "host", {
    environmentName: "staging",
    host: "tcp://127.0.0.1:2375",
    registryAddresses: ["ghcr.io"],
  });
  new ServiceDeployment(stack, "shop", {
    applicationName: "shop",
    image: "ghcr.io/someone/shop",
    strategy: DeploymentStrategy.rolling(),
    healthCheck: { command: ["wget", "-qO-", "http://localhost:8000/"] },
    containerPort: 8000,
    hostPort: 9000,
    cpus: 1.5,
    host,
    secrets,
  });
  return ["composed/staging", JSON.parse(Testing.synth(stack))];
}

/** Every stack the suites check, synthesized once (and only when a suite runs). */
let synthesized: Array<[string, StackJson]> | undefined;
const allStacks = (): Array<[string, StackJson]> =>
  (synthesized ??= [
    ...synthesizedStacks("shipped"),
    ...synthesizedStacks("four-applications", fourApplications()),
    composedStack(),
  ]);

describeWithRealProviders()("terraform validate with the real GitHub and Docker providers", () => {
  let stacks: Array<[string, StackJson]>;
  beforeAll(() => {
    stacks = allStacks();
  }, 120_000);

  test("every stack is valid, with no warning", () => {
    const results = stacks.map(([name, stack]) => {
      const result = validateStack(onlyProviders(stack, ["github", "docker"]), { prefix: "validate" });
      return {
        name,
        valid: result.valid,
        diagnostics: result.diagnostics.map(
          (diagnostic) => `${diagnostic.severity}: ${diagnostic.summary} ${diagnostic.detail ?? ""}`,
        ),
      };
    });
    expect(results).toEqual(stacks.map(([name]) => ({ name, valid: true, diagnostics: [] })));
    // The count the issue asks for, in the test's output.
    console.log(
      `terraform validate: ${results.length} stacks valid with integrations/github 6.6.0 and kreuzwerker/docker 4.6.0 (${results.map((result) => result.name).join(", ")})`,
    );
    expect(results.length).toBe(9);
  }, 300_000);

  test("every github and docker block fits the real providers' schemas: names, types, nothing deprecated or computed-only", () => {
    const schemas = realProviderSchemas();
    let blocks = 0;
    for (const [name, stack] of stacks) {
      for (const provider of ["github", "docker"] as const) {
        expect({ name, provider, problems: schemaProblems(stack, provider, schemas[provider]) }).toEqual({
          name,
          provider,
          problems: [],
        });
        blocks += Object.entries(stack.resource ?? {}).filter(([type]) => type.startsWith(`${provider}_`)).length;
      }
    }
    expect(blocks).toBeGreaterThan(40);
  }, 120_000);

  test("fails when a stack sets an attribute the Docker provider does not have, or a value of the wrong type", () => {
    // GIVEN the shipped production stack with two deliberate mistakes in its stable containers
    const [, production] = stacks.find(([name]) => name === "shipped/production")!;
    const broken = structuredClone(onlyProviders(production, ["github", "docker"]));
    const stable = broken.resource.docker_container.web_stable;
    expect(stable.restart).toBeDefined();
    stable.restart_policy = stable.restart;
    delete stable.restart;
    stable.memory = "a lot";

    // WHEN validated by the real provider THEN both are errors naming the attribute
    const result = validateStack(broken, { prefix: "validate-broken" });
    expect(result.valid).toBe(false);
    const messages = result.diagnostics
      .map((diagnostic) => `${diagnostic.summary}: ${diagnostic.detail ?? ""}`)
      .join("\n");
    expect(messages).toContain('Extraneous JSON object property: No argument or block type is named "restart_policy".');
    expect(messages).toContain(
      'Incorrect attribute value type: Inappropriate value for attribute "memory": a number is required.',
    );
    // and the schema check names them too
    expect(schemaProblems(broken, "docker", realProviderSchemas().docker)).toEqual(
      expect.arrayContaining([
        "docker_container.web_stable.restart_policy: not in the schema",
        'docker_container.web_stable.memory: "a lot" does not fit "number"',
      ]),
    );
  }, 120_000);
});

const grafanaSchemaMissing = fs.existsSync(GRAFANA_SCHEMA)
  ? undefined
  : `${GRAFANA_SCHEMA} is missing (the Grafana provider's published schema)`;
describeWithRealProviders(grafanaSchemaMissing)("the stand-in for the Grafana provider: its published schema", () => {
  let stacks: Array<[string, StackJson]>;
  beforeAll(() => {
    stacks = allStacks();
  }, 120_000);

  const grafana = (): ProviderSchema => {
    const schemas = JSON.parse(fs.readFileSync(GRAFANA_SCHEMA, "utf8")).provider_schemas as Record<
      string,
      ProviderSchema
    >;
    return schemas[Object.keys(schemas).find((key) => key.endsWith("grafana/grafana"))!];
  };

  test("every grafana block of every stack fits grafana/grafana 4.45.1's schema", () => {
    const schema = grafana();
    let checked = 0;
    for (const [name, stack] of stacks) {
      expect({ name, problems: schemaProblems(stack, "grafana", schema) }).toEqual({ name, problems: [] });
      checked += Object.entries(stack.resource ?? {})
        .filter(([type]) => type.startsWith("grafana_"))
        .reduce((sum, [, blocks]) => sum + Object.keys(blocks as object).length, 0);
    }
    // The environment stacks' folders, data source, dashboards, rule groups, contact points, policy and template.
    expect(checked).toBeGreaterThan(30);
  });

  test("fails when a grafana block has an attribute the provider lacks, or lacks a required one", () => {
    const [, production] = stacks.find(([name]) => name === "shipped/production")!;
    const broken = structuredClone(production);
    const [folder] = Object.values(broken.resource.grafana_folder) as Array<Record<string, unknown>>;
    delete folder.title;
    folder.colour = "blue";
    expect(schemaProblems(broken, "grafana", grafana())).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^grafana_folder\.[^.]+\.title: required, not set$/),
        expect.stringMatching(/^grafana_folder\.[^.]+\.colour: not in the schema$/),
      ]),
    );
  });
});
