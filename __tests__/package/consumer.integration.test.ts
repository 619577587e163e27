import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, temporaryDirectory } from "../helpers";

/** Another team's stack, written against the published API only: its own names, two applications, props only. */
const CONSUMER_SOURCE = `
import { App, TerraformStack } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import {
  AlertRules, DeploymentEnvironment, DeploymentStrategy, DockerHost, EnvironmentSecrets, EnvironmentSecretValues, GrafanaDataSource, GrafanaFolder,
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
    new EnvironmentSecretValues(this, "payments-secret-values", {
      environment,
      secrets: [{ name: "LEDGER_DATABASE_URL" }, { name: "STRIPE_KEY" }],
      variablePrefix: "staging_secret_",
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

/** The environment without this machine's WTFB_* overrides and output settings, which would change what is synthesized. */
const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !key.startsWith("WTFB_") && key !== "PIPELINE_CONFIG" && key !== "CDKTF_OUTDIR",
  ),
);

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = CLEAN_ENV) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...env, CHECKPOINT_DISABLE: "1" } });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe("the published package", () => {
  const workdir = temporaryDirectory("consumer");
  let tarball: string;

  beforeAll(() => {
    // GIVEN the library packed as npm would publish it (dist/ is built by the test setup)
    const packed = JSON.parse(
      run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", workdir], PROJECT_ROOT),
    );
    tarball = path.join(workdir, packed[0].filename);
  }, 120000);

  test("contains the compiled library with declarations, and no sources, tests or build state", () => {
    const listing: string[] = JSON.parse(
      run("npm", ["pack", "--ignore-scripts", "--dry-run", "--json"], PROJECT_ROOT),
    )[0].files.map((file: { path: string }) => file.path);
    expect(listing).toEqual(
      expect.arrayContaining([
        "dist/index.js",
        "dist/index.d.ts",
        "dist/main.js",
        "package.json",
        "pipeline.config.schema.json",
      ]),
    );
    expect(
      listing.filter(
        (file) =>
          /^__tests__\/|\.tsbuildinfo$|^cdktf\.out\//.test(file) || (file.endsWith(".ts") && !file.endsWith(".d.ts")),
      ),
    ).toEqual([]);
  });

  test("installs into a fresh project and synthesizes a stack composed from props only", () => {
    // GIVEN a fresh project with the tarball installed
    const project = path.join(workdir, "payments-infra");
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "payments-infra", version: "1.0.0", private: true }),
    );
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], project);
    fs.writeFileSync(path.join(project, "main.ts"), CONSUMER_SOURCE);

    // WHEN it is type-checked against the published declarations, compiled and run
    const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
    run(
      process.execPath,
      [
        tsc,
        "--strict",
        "--module",
        "commonjs",
        "--target",
        "es2022",
        "--esModuleInterop",
        "--skipLibCheck",
        "--outDir",
        "out",
        "main.ts",
      ],
      project,
    );
    const stdout = run(process.execPath, ["out/main.js"], project, {
      ...CLEAN_ENV,
      CDKTF_OUTDIR: path.join(project, "cdktf.out"),
    });

    // THEN the stack holds what the consumer composed, under the consumer's names
    const stack = JSON.parse(
      fs.readFileSync(path.join(project, "cdktf.out", "stacks", "payments", "cdk.tf.json"), "utf8"),
    );
    const values = (type: string) => Object.values<any>(stack.resource[type] ?? {});
    expect(values("github_repository_environment")).toEqual([
      expect.objectContaining({ environment: "payments-staging", repository: "payments" }),
    ]);
    expect(
      values("github_actions_environment_secret").map((secret) => [secret.secret_name, secret.plaintext_value]),
    ).toEqual([
      ["LEDGER_DATABASE_URL", "${var.staging_secret_ledger_database_url}"],
      ["STRIPE_KEY", "${var.staging_secret_stripe_key}"],
    ]);
    // Each application's own resources, named after it; slot and replica names end in their generation.
    expect(Object.keys(stack.resource.docker_container)).toEqual(
      expect.arrayContaining([
        "ledger_api_stable",
        "ledger_api_canary",
        "ledger_api_proxy",
        "ledger_api_port",
        "webhook_worker_2",
        "webhook_worker_proxy",
        "webhook_worker_port",
      ]),
    );
    const containerNames = values("docker_container").map((container) => String(container.name));
    expect(containerNames).toEqual(
      expect.arrayContaining([
        "ledger-api-payments-staging-proxy-${substr(terraform_data.ledger_api_proxy_generation.id, 0, 8)}",
        "webhook-worker-payments-staging-proxy-${substr(terraform_data.webhook_worker_proxy_generation.id, 0, 8)}",
      ]),
    );
    expect(
      containerNames.some((name: string) =>
        name.startsWith("ledger-api-payments-staging-canary-${substr(terraform_data.ledger_api_canary_generation.id"),
      ),
    ).toBe(true);
    expect(containerNames.some((name: string) => name.startsWith("webhook-worker-payments-staging-2-"))).toBe(true);
    expect(Object.keys(stack.variable)).toEqual(
      expect.arrayContaining([
        "ledger_api_stable_version",
        "ledger_api_canary_version",
        "ledger_api_canary_weight",
        "webhook_worker_version",
      ]),
    );
    expect(values("github_repository_file")).toEqual([
      expect.objectContaining({ file: ".github/workflows/build.yml", repository: "payments" }),
    ]);
    expect(values("grafana_rule_group")[0].rule[0]).toMatchObject({
      name: "LedgerErrorRateHigh",
      labels: expect.objectContaining({ action: "rollback", team: "payments" }),
    });
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({
      strategy: "canary",
      stableVersion: "ledger_api_stable_version",
      canaryVersion: "ledger_api_canary_version",
      canaryWeight: "ledger_api_canary_weight",
    });
  }, 180000);

  test("examples/two-teams installs beside unpinned peers with one copy of constructs, type-checks, and synthesizes both teams with monitoring", () => {
    // GIVEN a copy of the example project whose wtfb-deploy is the packed tarball, and whose peers are caret ranges
    const example = path.join(PROJECT_ROOT, "examples", "two-teams");
    const project = path.join(workdir, "two-teams");
    fs.cpSync(example, project, {
      recursive: true,
      filter: (source) => !/^(node_modules|dist|cdktf\.out)$/.test(path.basename(source)),
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8"));
    for (const peer of ["cdktf", "constructs", "@cdktf/provider-docker", "@cdktf/provider-github"])
      expect(manifest.dependencies[peer]).toMatch(/^\^\d/);
    expect(manifest.dependencies["wtfb-deploy"]).toMatch(/^file:/);
    manifest.dependencies["wtfb-deploy"] = `file:${tarball}`;
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify(manifest, null, 2));

    // WHEN it is installed as its README says
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], project);

    // THEN there is one copy of constructs, shared by cdktf, the providers and wtfb-deploy
    const copies = findPackageDirectories(path.join(project, "node_modules"), "constructs");
    expect(copies).toEqual([path.join(project, "node_modules", "constructs")]);
    const tree = JSON.parse(run("npm", ["ls", "constructs", "--all", "--json"], project));
    expect(tree.dependencies["wtfb-deploy"].dependencies.constructs).toMatchObject({
      version: tree.dependencies.constructs.version,
    });

    // AND it type-checks against the published declarations, and its app synthesizes both teams
    run(process.execPath, [path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "."], project);
    run(process.execPath, ["dist/main.js"], project);
    const outdir = path.join(project, "cdktf.out");
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual([
      "payments-staging",
      "storefront-development",
      "storefront-production",
      "storefront-repository",
      "storefront-staging",
    ]);
    const stack = (name: string) =>
      JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
    // Monitoring on for both teams: a Grafana rule group in each team's staging stack, and each one's rule file.
    for (const name of ["payments-staging", "storefront-staging"]) {
      expect(
        Object.values<any>(stack(name).resource.grafana_rule_group)[0].rule.map((rule: any) => rule.name),
      ).toContain("ErrorRateHigh");
    }
    expect(fs.readFileSync(path.join(outdir, "payments-staging", "alerts", "staging.rules.yml"), "utf8")).toContain(
      'name=~"(ledger)-staging-',
    );
    expect(fs.readFileSync(path.join(outdir, "storefront", "alerts", "staging.rules.yml"), "utf8")).toContain(
      "ErrorRateHigh",
    );
    // The hand-composed service and the config's pipeline, each under its own names.
    expect(fs.existsSync(path.join(outdir, "payments-staging", "runtime", "staging", "ledger.nginx.conf"))).toBe(true);
    expect(fs.readFileSync(path.join(outdir, "storefront", "workflows", "ci.yml"), "utf8")).toContain("storefront");
    expect(fs.existsSync(path.join(outdir, "storefront", "pipeline.md"))).toBe(true);
    // The config's GitHub environments belong to its repository stack, never to an environment stack.
    expect(Object.values<any>(stack("storefront-repository").resource.github_repository_environment)).toEqual(
      expect.arrayContaining([expect.objectContaining({ repository: "storefront", environment: "production" })]),
    );
    expect(stack("storefront-production").resource.github_repository_environment).toBeUndefined();
  }, 300000);
});

/** Every directory named `name` holding a package.json under node_modules (nested node_modules included). */
function findPackageDirectories(nodeModules: string, name: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      if (entry.name === name && fs.existsSync(path.join(full, "package.json"))) found.push(full);
      if (entry.name === "node_modules" || entry.name.startsWith("@") || dir.endsWith("node_modules")) visit(full);
      else if (fs.existsSync(path.join(full, "node_modules"))) visit(path.join(full, "node_modules"));
    }
  };
  visit(nodeModules);
  return found.sort();
}
