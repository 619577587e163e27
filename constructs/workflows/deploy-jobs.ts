/**
 * What the deploy and rollback jobs share: the wtfb-deploy checkout they run `cdktf deploy` and the pipeline CLI
 * from (`cli/main.ts`), access to the Docker host, and the deployment record (SOP §8.1) with its announcement.
 */
import type { EnvironmentName } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { PIPELINE_SECRETS, secretExpression } from "./pipeline-secrets";
import { DEPLOYMENT_RECORD_FILE } from "../../cli/run-state";
import { Steps } from "./steps";
import type { RunStep, Step } from "./workflows-model";
import { workflowScript } from "./scripts";

/** The CLI, relative to the wtfb-deploy directory, once `npm run build` has run. */
export const PIPELINE_CLI = "dist/cli/main.js";

/** Concurrency group of everything that changes an environment: its deploys, hotfix deploys and rollbacks queue behind each other. */
export function deployConcurrencyGroup(environment: EnvironmentName): string {
  return `deploy-${environment}`;
}

/** Job environment of deploy and rollback jobs: which environment, and where the CLI is. */
export function deployJobEnv(environment: EnvironmentName, kind: "deployment" | "rollback"): Record<string, string> {
  return { WTFB_ENVIRONMENT: environment, WTFB_RUN_KIND: kind, WTFB_CLI: PIPELINE_CLI, CHECKPOINT_DISABLE: "1" };
}

/** Check out, Node.js, Terraform, and wtfb-deploy installed and built. */
export function pipelineSetupSteps(config: PipelineConfig, options: { fetchDepth?: number } = {}): Step[] {
  const directory = config.workflows.pipelineDirectory;
  return [
    Steps.checkout({ fetchDepth: options.fetchDepth }),
    // No npm cache: these jobs hold deploy credentials (cache poisoning).
    Steps.setupNodeWithoutCache(config.workflows.nodeVersion),
    Steps.setupTerraform(),
    Steps.run("Install and build wtfb-deploy", "npm ci --no-audit --no-fund\nnpm run --silent build", {
      workingDirectory: directory,
    }),
  ];
}

/** A step running one CLI command in the wtfb-deploy directory. */
export function cliStep(
  config: PipelineConfig,
  name: string,
  command: string,
  options: Omit<RunStep, "name" | "run" | "workingDirectory"> = {},
): RunStep {
  return Steps.run(name, `node "$WTFB_CLI" ${command}`, {
    ...options,
    workingDirectory: config.workflows.pipelineDirectory,
  });
}

/** SSH access to the environment's Docker host, when it is reached over SSH; host keys are checked. */
export function dockerHostAccessSteps(config: PipelineConfig, environment: EnvironmentName): Step[] {
  const dockerHost = config.environments[environment].runtime.dockerHost;
  if (!dockerHost.startsWith("ssh://")) return [];
  const url = new URL(dockerHost);
  return [
    Steps.run("Configure SSH access to the Docker host", workflowScript("docker-host-ssh.sh"), {
      id: "ssh",
      env: {
        SSH_HOST: url.hostname,
        SSH_PRIVATE_KEY: secretExpression(PIPELINE_SECRETS.sshPrivateKey),
        SSH_KNOWN_HOSTS: secretExpression(PIPELINE_SECRETS.sshKnownHosts),
      },
    }),
  ];
}

/** Secrets the announcements read: Grafana for annotations, the stakeholders' Slack webhook when there is one. */
export function announcementEnv(config: PipelineConfig): Record<string, string> {
  const stakeholders = config.monitoring.stakeholders;
  return {
    GRAFANA_TOKEN: secretExpression(PIPELINE_SECRETS.grafanaAuth),
    ...(stakeholders?.type === "slack"
      ? { [stakeholders.webhookUrlSecret]: secretExpression(stakeholders.webhookUrlSecret) }
      : {}),
  };
}

/**
 * The end of every deploy and rollback, whatever happened before: the record (JSON log kept 90 days, GitHub
 * deployment status, Pushgateway metrics, job summary), then the announcement of the result.
 */
export function recordSteps(
  config: PipelineConfig,
  environment: EnvironmentName,
  outcomes: { rollback?: string; stepIds: readonly string[] },
): Step[] {
  const result = {
    JOB_STATUS: "${{ job.status }}",
    ROLLBACK_OUTCOME: outcomes.rollback ?? "",
  };
  return [
    cliStep(config, "Record the deployment: JSON log, GitHub deployment status, Pushgateway, job summary", "record", {
      id: "record",
      if: "${{ always() }}",
      env: {
        ...result,
        STEP_OUTCOMES: outcomes.stepIds.map((id) => `${id}=\${{ steps.${id}.outcome }}`).join(" "),
        DEPLOYMENTS_TOKEN: "${{ github.token }}",
      },
    }),
    Steps.uploadArtifact({
      name: `deployment-record-${environment}-\${{ github.run_id }}-\${{ github.run_attempt }}`,
      description: "the deployment log (kept 90 days)",
      path: `\${{ runner.temp }}/${DEPLOYMENT_RECORD_FILE}`,
      retentionDays: 90,
      if: "${{ always() }}",
    }),
    cliStep(config, "Announce the result", "announce end", {
      id: "announce-end",
      if: "${{ always() }}",
      env: { ...announcementEnv(config), ...result },
    }),
  ];
}
