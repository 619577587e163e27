import type { PipelineConfig } from "../../../config/types";
import { shippedConfig } from "../../helpers";

/**
 * A config unlike the shipped one in every way the workflows branch on: two applications (one without a
 * database, one with its own context and assets), other strategies per environment, Slack stakeholders, no
 * Sentry, integration tests, self-hosted deploy runners, other state backends (a remote one for the repository
 * stack, so plan review adds the real diff), no production window.
 */
export function variantConfig(change?: (raw: any) => void): PipelineConfig {
  return shippedConfig((raw) => {
    raw.applications[0].build = { context: ".", dockerfile: "Dockerfile", outputDirectory: ".next" };
    raw.applications.push({
      name: "billing-api",
      image: "registry.example:5000/wtfb/billing-api",
      containerPort: 8080,
      hostPort: 8081,
      healthCheck: { command: ["wget", "-qO-", "http://localhost:8080/health"] },
      build: { context: "services/billing-api", dockerfile: "Dockerfile.prod", outputDirectory: "dist" },
    });
    raw.environments.development.runtime = {
      dockerHost: "tcp://dev.wtfb.internal:2376",
      strategy: { type: "canary", steps: [10, 100] },
    };
    raw.environments.development.backend = { type: "remote", organization: "wtfb", workspace: "development" };
    raw.environments.development.deploy = { url: "https://dev.wtfb.example", runsOn: ["self-hosted", "dev-network"] };
    raw.environments.staging.runtime = {
      dockerHost: "unix:///var/run/docker.sock",
      strategy: { type: "rolling", replicas: 2 },
    };
    raw.environments.staging.backend = { type: "gcs", bucket: "wtfb-state" };
    raw.environments.staging.deploy = {
      smokeTests: [
        { name: "checkout page renders", url: "/checkout" },
        { name: "end-to-end smoke suite", command: 'npm run smoke -- --base-url "$BASE_URL"' },
      ],
    };
    raw.environments.production.runtime = {
      dockerHost: "ssh://deploy@prod.wtfb.internal",
      strategy: { type: "blue-green" },
    };
    raw.environments.production.deploymentWindow = null;
    raw.environments.production.backend = {
      type: "azurerm",
      resourceGroupName: "state",
      storageAccountName: "wtfbstate",
      containerName: "tfstate",
      key: "production.tfstate",
    };
    raw.repository.backend = { type: "s3", bucket: "wtfb-state", key: "repository.tfstate", region: "eu-central-1" };
    raw.monitoring.stakeholders = { type: "slack", webhookUrlSecret: "SLACK_RELEASES_WEBHOOK" };
    delete raw.monitoring.sentry;
    raw.workflows = {
      ...raw.workflows,
      runsOn: ["ubuntu-24.04"],
      pipelineDirectory: "deploy/wtfb",
      commands: { integrationTest: "npm run test:integration" },
      releaseCron: "30 9 * * 4",
      releaseTagPrefix: "release-",
    };
    raw.environments.production.tags = ["release-*"];
    change?.(raw);
  });
}
