/**
 * The external-secret check under real Terraform: `terraform test` runs the synthesized EnvironmentSecrets with the
 * real GitHub provider's schema and a mocked provider (`mock_provider`, `override_data`), so Terraform's own rules
 * decide when the data sources are read and when the postcondition fails; no GitHub API is called.
 * Needs terraform on PATH and the GitHub provider in the test mirror (${WTFB_PROVIDER_MIRROR:-~/.cache/wtfb-deploy/providers}).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformOutput, Testing } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { EnvironmentSecrets } from "../../constructs/github/environment-secrets";
import { dataSourcesOf, describeWhen, temporaryDirectory } from "../helpers";

const MIRROR = process.env.WTFB_PROVIDER_MIRROR ?? path.join(os.homedir(), ".cache", "wtfb-deploy", "providers");
const GITHUB_IN_MIRROR = path.join(MIRROR, "registry.terraform.io", "integrations", "github");
/** The GitHub provider version the mirror holds (the real-provider harness builds one). */
const GITHUB_VERSION = fs.existsSync(GITHUB_IN_MIRROR) ? fs.readdirSync(GITHUB_IN_MIRROR).sort().pop() : undefined;
const TERRAFORM = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;

const describeWithTerraform = describeWhen(
  TERRAFORM && GITHUB_VERSION !== undefined,
  `the external-secret check is not run under Terraform: ${TERRAFORM ? `no GitHub provider in ${GITHUB_IN_MIRROR}` : "terraform is not on PATH"}`,
);

/** A production environment with one Terraform-managed and one external secret, synthesized as the environment stacks compose it (the environment by name: the repository stack owns it). */
function synthesizedSecrets(): any {
  const stack = JSON.parse(
    Testing.synthScope((scope) => {
      new GithubProvider(scope, "github", { owner: "wtfb" });
      const secrets = new EnvironmentSecrets(scope, "secrets", {
        environment: { repository: "wtfb-app", environmentName: "production" },
        secrets: [{ name: "DATABASE_URL" }, { name: "SENTRY_DSN", managedBy: "external" }],
      });
      // The containers read every secret's variable, as ServiceDeployment does.
      new TerraformOutput(scope, "database-url", { value: secrets.valueOf("DATABASE_URL"), sensitive: true });
    }),
  );
  // The mirror holds one version: require it (the stacks' pin is the providers suite's concern).
  return {
    ...stack,
    terraform: { required_providers: { github: { source: "integrations/github", version: GITHUB_VERSION } } },
  };
}

/** `override_data` of every data source of a type that the stack has (none when it has none). */
function overrides(stack: any, type: string, values: string): string {
  return Object.keys(dataSourcesOf(stack, type))
    .map((id) => `  override_data {\n    target = data.${type}.${id}\n    values = ${values}\n  }`)
    .join("\n");
}

/** Runs `terraform test` on the stack with the given run blocks; returns Terraform's output and exit status. */
function terraformTest(stack: any, runs: string): { status: number; output: string } {
  const directory = temporaryDirectory("secrets-tftest");
  fs.writeFileSync(path.join(directory, "main.tf.json"), JSON.stringify(stack, null, 2));
  fs.mkdirSync(path.join(directory, "tests"));
  fs.writeFileSync(
    path.join(directory, "tests", "secrets.tftest.hcl"),
    `mock_provider "github" {}\nvariables {\n  secret_database_url = "not-a-secret"\n}\n\n${runs}`,
  );
  // Test-only CLI config: the GitHub provider from the mirror, nothing from the network.
  const cliConfig = path.join(directory, "test.tfrc");
  fs.writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(MIRROR)}\n    include = ["registry.terraform.io/integrations/github"]\n  }\n}\n`,
  );
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
  const init = spawnSync("terraform", ["init", "-input=false", "-no-color", "-backend=false"], {
    cwd: directory,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stdout}\n${init.stderr}`);
  const test = spawnSync("terraform", ["test", "-no-color"], {
    cwd: directory,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: test.status ?? 1, output: `${test.stdout}\n${test.stderr}` };
}

const EXISTING_ENVIRONMENT = `{ environments = [{ name = "production", node_id = "EN_1" }] }`;

describeWithTerraform("the external-secret check under Terraform", () => {
  const stack = synthesizedSecrets();
  const secretsCheck = () =>
    `data.github_actions_environment_secrets.${Object.keys(dataSourcesOf(stack, "github_actions_environment_secrets"))[0]}`;

  test("the first apply of a fresh environment succeeds: the environment is created and nothing is checked yet", () => {
    // GIVEN the repository has no environments yet, so no secrets either
    const runs = `run "fresh_environment_first_apply" {
  command = apply
${overrides(stack, "github_repository_environments", "{ environments = [] }")}
${overrides(stack, "github_actions_environment_secrets", "{ secrets = [] }")}
}
`;
    // WHEN / THEN
    const result = terraformTest(stack, runs);
    expect(result.output).toContain('run "fresh_environment_first_apply"... pass');
    expect(result.status).toBe(0);
  });

  test("in an existing environment a missing external secret fails the plan, before anything changes", () => {
    const runs = `run "existing_environment_without_the_secret" {
  command = plan
${overrides(stack, "github_repository_environments", EXISTING_ENVIRONMENT)}
${overrides(stack, "github_actions_environment_secrets", `{ secrets = [{ name = "DATABASE_URL", created_at = "", updated_at = "" }] }`)}
  expect_failures = [${secretsCheck()}]
}
`;
    const result = terraformTest(stack, runs);
    expect(result.output).toContain('run "existing_environment_without_the_secret"... pass');
    expect(result.status).toBe(0);
  });

  test("in an existing environment whose external secret is set, the plan passes", () => {
    const runs = `run "existing_environment_with_the_secret" {
  command = plan
${overrides(stack, "github_repository_environments", EXISTING_ENVIRONMENT)}
${overrides(stack, "github_actions_environment_secrets", `{ secrets = [{ name = "SENTRY_DSN", created_at = "", updated_at = "" }] }`)}
}
`;
    const result = terraformTest(stack, runs);
    expect(result.output).toContain('run "existing_environment_with_the_secret"... pass');
    expect(result.status).toBe(0);
  });
});
