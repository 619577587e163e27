/**
 * Two teams' infrastructure in one cdktf app, from the published wtfb-deploy package:
 * - payments composes its staging stack by hand from the constructs, with monitoring;
 * - storefront takes the whole pipeline from its config file, under the prefix "storefront".
 * `app.synth()` writes every stack and every file beside them (workflows, alert rules, proxy files, pipeline.md).
 */
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import {
  DeploymentEnvironment,
  DeploymentStrategy,
  DockerHost,
  EnvironmentMonitoring,
  EnvironmentSecrets,
  ServiceDeployment,
  addPipelineStacks,
  loadConfig,
  parseConfig,
  type PipelineConfigInput,
} from "wtfb-deploy";

/**
 * What payments' monitoring watches. EnvironmentMonitoring reads a resolved pipeline config: parseConfig validates
 * this object as given (no file, no .env, no WTFB_* overrides).
 */
const paymentsMonitoring: PipelineConfigInput = {
  repository: { owner: "acme", name: "payments" },
  applications: [
    {
      name: "ledger",
      image: "registry.acme.example/payments/ledger",
      containerPort: 8080,
      healthCheck: { command: ["./healthcheck"] },
    },
  ],
  environments: {
    development: {
      settings: { PUBLIC_URL: "https://dev.payments.acme.example" },
      monitoring: { prometheusUrl: "http://prometheus.dev.payments.acme.internal:9090", grafanaOrgId: 11 },
    },
    staging: {
      settings: { PUBLIC_URL: "https://staging.payments.acme.example" },
      monitoring: { prometheusUrl: "http://prometheus.staging.payments.acme.internal:9090", grafanaOrgId: 12 },
    },
    production: {
      reviewers: { teams: ["payments-leads"] },
      settings: { PUBLIC_URL: "https://payments.acme.example" },
      monitoring: { prometheusUrl: "http://prometheus.payments.acme.internal:9090", grafanaOrgId: 13 },
    },
  },
  monitoring: {
    grafanaUrl: "https://grafana.acme.example",
    stakeholders: { type: "email", addresses: ["payments@acme.example"] },
  },
};

/** Payments' staging, composed by hand: its GitHub environment and secrets, the ledger service, its monitoring. */
class PaymentsStaging extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new GithubProvider(this, "github", { owner: "acme" });
    const environment = new DeploymentEnvironment(this, "environment", {
      repository: "payments",
      environmentName: "staging",
      reviewerTeams: ["payments-qa"],
      branchPatterns: ["main"],
    });
    const secrets = new EnvironmentSecrets(this, "secrets", {
      environment,
      secrets: [{ name: "LEDGER_DATABASE_URL" }],
    });
    const host = new DockerHost(this, "host", {
      environmentName: "staging",
      host: "ssh://ops@payments-staging.acme.internal",
    });
    new ServiceDeployment(this, "ledger", {
      host,
      secrets,
      applicationName: "ledger",
      image: "registry.acme.example/payments/ledger",
      strategy: DeploymentStrategy.canary({ steps: [10, 50, 100] }),
      healthCheck: { command: ["./healthcheck"] },
      containerPort: 8080,
      hostPort: 9080,
    });
    new EnvironmentMonitoring(this, "monitoring", {
      config: parseConfig(paymentsMonitoring, "payments monitoring"),
      environment: "staging",
    });
  }
}

const app = new App();
new PaymentsStaging(app, "payments-staging");
// loadConfig reads the file, a local .env and the WTFB_* overrides; the prefix keeps storefront's stacks
// (storefront-development … storefront-repository) and files (cdktf.out/storefront/) apart from everyone else's.
addPipelineStacks(app, loadConfig({ file: "storefront.pipeline.json" }).config, { prefix: "storefront" });
app.synth();
