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
  pinProviderVersions,
} from "wtfb-deploy";

/** Payments' staging, composed by hand: its GitHub environment and secrets, the ledger service, its monitoring. */
class PaymentsStaging extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new GithubProvider(this, "github", { owner: "acme" });
    // The exact provider versions wtfb-deploy is tested with (required_providers).
    pinProviderVersions(this);
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
    // Monitoring from its own props: no pipeline config needed.
    new EnvironmentMonitoring(this, "monitoring", {
      environmentName: "staging",
      grafanaUrl: "https://grafana.payments.acme.example",
      grafanaOrgId: 12,
      prometheusUrl: "http://prometheus.staging.payments.acme.internal:9090",
      applications: [{ name: "ledger" }],
      alerts: { errorRateThresholdPercent: 1 },
      rollback: { repositoryOwner: "acme", repositoryName: "payments" },
      stakeholders: { type: "email", addresses: ["payments-oncall@acme.example"] },
    });
  }
}

const app = new App();
new PaymentsStaging(app, "payments-staging");
// loadConfig reads the file, a local .env and the WTFB_* overrides; the prefix keeps storefront's stacks
// (storefront-development … storefront-repository) and files (cdktf.out/storefront/) apart from everyone else's.
addPipelineStacks(app, loadConfig({ file: "storefront.pipeline.json" }).config, { prefix: "storefront" });
app.synth();
