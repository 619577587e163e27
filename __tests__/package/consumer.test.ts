import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, temporaryDirectory } from "../helpers";

/** Another team's stack, written against the published API only: its own names, two applications, props only. */
const CONSUMER_SOURCE = `
import { App, TerraformStack } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import {
  AlertRules, DeploymentEnvironment, DeploymentStrategy, DockerHost, EnvironmentSecrets, GrafanaDataSource, GrafanaFolder,
  GrafanaProvider, PipelineWorkflows, RepositoryGovernance, ServiceDeployment, Steps, releaseVariables,
} from "wtfb-deploy";

class PaymentsStack extends TerraformStack {
  constructor(scope: App, id: string) {
    super(scope, id);
    new GithubProvider(this, "github", { owner: "acme" });
    const environment = new DeploymentEnvironment(this, "payments-staging", {
      repository: "payments",
      environmentName: "payments-staging",
      reviewerTeams: ["payments-qa"],
      branchPatterns: ["release/*"],
    });
    const secrets = new EnvironmentSecrets(this, "payments-secrets", {
      environment,
      secrets: [{ name: "LEDGER_DATABASE_URL" }, { name: "STRIPE_KEY" }],
    });
    new RepositoryGovernance(this, "payments-rules", { repository: "payments", requiredApprovals: 2, requiredChecks: ["build"] });

    const host = new DockerHost(this, "payments-host", { environmentName: "payments-staging", host: "ssh://ops@payments.acme.internal" });
    new ServiceDeployment(this, "ledger-api", {
      host,
      applicationName: "ledger-api",
      image: "registry.acme.internal/payments/ledger-api",
      strategy: DeploymentStrategy.canary({ steps: [10, 50, 100] }),
      healthCheck: { command: ["wget", "-qO-", "http://localhost:8080/health"] },
      containerPort: 8080,
      hostPort: 9080,
      secrets,
      database: { migrationCommand: ["./migrate", "up"], databaseUrlSecret: "LEDGER_DATABASE_URL" },
    });
    new ServiceDeployment(this, "webhook-worker", {
      host,
      applicationName: "webhook-worker",
      image: "registry.acme.internal/payments/webhook-worker",
      strategy: DeploymentStrategy.rolling({ replicas: 2 }),
      healthCheck: { command: ["./healthcheck"] },
      hostPort: 9081,
      settings: { QUEUE: "webhooks" },
    });

    new PipelineWorkflows(this, "payments-workflows", {
      repository: "payments",
      branch: "main",
      workflows: [{
        name: "build",
        fileName: "build.yml",
        on: { push: { branches: ["main"] } },
        permissions: {},
        jobs: { build: { name: "build", runsOn: "ubuntu-latest", timeoutMinutes: 15, permissions: { contents: "read" }, steps: [Steps.checkout(), Steps.run("Test", "make test")] } },
      }],
    });

    new GrafanaProvider(this, "grafana", { url: "https://grafana.acme.internal" });
    const folder = new GrafanaFolder(this, "folder", { title: "Payments" });
    const dataSource = new GrafanaDataSource(this, "prometheus", { name: "payments-prometheus", type: "prometheus", url: "http://prometheus:9090" });
    new AlertRules(this, "alerts", {
      environment: "staging",
      folder,
      dataSource,
      dashboardUid: "payments",
      rateWindow: "2m",
      rules: [{
        name: "LedgerErrorRateHigh", query: 'sum(rate(ledger_errors_total[$__rate_interval]))', comparator: "above", threshold: 5, forMinutes: 5,
        severity: "critical", action: "rollback", application: "ledger-api", extraLabels: { team: "payments" },
        summary: "Ledger errors", description: "Ledger API errors are high", dashboardUrl: "https://grafana.acme.internal/d/payments", noData: "OK", source: "consumer",
      }],
    });
  }
}

const app = new App();
new PaymentsStack(app, "payments");
app.synth();
console.log(JSON.stringify(releaseVariables("ledger-api", { type: "canary", steps: [10, 50, 100] })));
`;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...env, CHECKPOINT_DISABLE: "1" } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe("the published package", () => {
  const workdir = temporaryDirectory("consumer");
  let tarball: string;

  beforeAll(() => {
    // GIVEN the library packed as npm would publish it (dist/ is built by the test setup)
    const packed = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", workdir], PROJECT_ROOT));
    tarball = path.join(workdir, packed[0].filename);
  }, 120000);

  test("contains the compiled library with declarations, and no sources, tests or build state", () => {
    const listing: string[] = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--dry-run", "--json"], PROJECT_ROOT))[0].files.map((file: { path: string }) => file.path);
    expect(listing).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/main.js", "package.json", "pipeline.config.schema.json"]));
    expect(listing.filter((file) => /^__tests__\/|\.tsbuildinfo$|^cdktf\.out\//.test(file) || (file.endsWith(".ts") && !file.endsWith(".d.ts")))).toEqual([]);
  });

  test("installs into a fresh project and synthesizes a stack composed from props only", () => {
    // GIVEN a fresh project with the tarball installed
    const project = path.join(workdir, "payments-infra");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "payments-infra", version: "1.0.0", private: true }));
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], project);
    fs.writeFileSync(path.join(project, "main.ts"), CONSUMER_SOURCE);

    // WHEN it is type-checked against the published declarations, compiled and run
    const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
    run(process.execPath, [tsc, "--strict", "--module", "commonjs", "--target", "es2022", "--esModuleInterop", "--skipLibCheck", "--outDir", "out", "main.ts"], project);
    const stdout = run(process.execPath, ["out/main.js"], project, { ...process.env, CDKTF_OUTDIR: path.join(project, "cdktf.out") });

    // THEN the stack holds what the consumer composed, under the consumer's names
    const stack = JSON.parse(fs.readFileSync(path.join(project, "cdktf.out", "stacks", "payments", "cdk.tf.json"), "utf8"));
    const values = (type: string) => Object.values<any>(stack.resource[type] ?? {});
    expect(values("github_repository_environment")).toEqual([expect.objectContaining({ environment: "payments-staging", repository: "payments" })]);
    expect(values("github_actions_environment_secret").map((secret) => [secret.secret_name, secret.plaintext_value])).toEqual([
      ["LEDGER_DATABASE_URL", "${var.secret_ledger_database_url}"],
      ["STRIPE_KEY", "${var.secret_stripe_key}"],
    ]);
    // Each application's own resources, named after it; slot and replica names end in their generation.
    expect(Object.keys(stack.resource.docker_container)).toEqual(expect.arrayContaining(["ledger_api_stable", "ledger_api_canary", "ledger_api_proxy", "webhook_worker_2", "webhook_worker_proxy"]));
    const containerNames = values("docker_container").map((container) => String(container.name));
    expect(containerNames).toEqual(expect.arrayContaining(["ledger-api-payments-staging-proxy", "webhook-worker-payments-staging-proxy"]));
    expect(containerNames.some((name: string) => name.startsWith("ledger-api-payments-staging-canary-${substr(terraform_data.ledger_api_canary_generation.id"))).toBe(true);
    expect(containerNames.some((name: string) => name.startsWith("webhook-worker-payments-staging-2-"))).toBe(true);
    expect(Object.keys(stack.variable)).toEqual(expect.arrayContaining(["ledger_api_stable_version", "ledger_api_canary_version", "ledger_api_canary_weight", "webhook_worker_version"]));
    expect(values("github_repository_file")).toEqual([expect.objectContaining({ file: ".github/workflows/build.yml", repository: "payments" })]);
    expect(values("grafana_rule_group")[0].rule[0]).toMatchObject({ name: "LedgerErrorRateHigh", labels: expect.objectContaining({ action: "rollback", team: "payments" }) });
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({ strategy: "canary", stableVersion: "ledger_api_stable_version", canaryVersion: "ledger_api_canary_version", canaryWeight: "ledger_api_canary_weight" });
  }, 180000);
});
