/**
 * Rollback (SOP §5.2): dispatched by hand (environment, application, version defaulting to the last known-good,
 * reason, whether to revert the last migration) or by the Grafana alert webhook, through this workflow's own
 * dispatch endpoint (a token with Actions write only) with the environment fixed per contact point and the version
 * the alert saw. Redeploys the known-good version, verifies it, annotates Grafana, notifies, and records the reason;
 * a rollback whose alert saw a version that no longer serves does nothing. One job per environment, so each runs in
 * that environment with its own strategy and approvals.
 */
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import {
  announcementEnv,
  cliStep,
  deployJobEnv,
  dockerHostAccessSteps,
  pipelineSetupSteps,
  recordSteps,
} from "./deploy-jobs";
import { PIPELINE_SECRETS, secretExpression, terraformDeployEnv } from "./pipeline-secrets";
import { Steps } from "./steps";
import type { Job, RunnerJob, Workflow } from "./workflows-model";
import { workflowScript } from "./scripts";

export const ROLLBACK_WORKFLOW_FILE = "rollback.yml";

/** The dispatch inputs, by name: what the alert webhook sends (docs/monitoring.md) and a person fills in. */
export const ROLLBACK_INPUTS = {
  environment: "environment",
  application: "application",
  version: "version",
  reason: "reason",
  revertMigration: "revert-migration",
  seenVersion: "seen-version",
  alertname: "alertname",
} as const;

export function rollbackJobId(environment: EnvironmentName): string {
  return `rollback-${environment}`;
}

/** Concurrency group of an environment's rollbacks: their own, so a deploy never replaces a queued rollback (applies still queue on the state lock). */
export function rollbackConcurrencyGroup(environment: EnvironmentName): string {
  return `rollback-${environment}`;
}

export function rollbackWorkflow(config: PipelineConfig): Workflow {
  const applications = config.applications.map((application) => application.name);
  const outputs = ["environment", "application", "version", "reason", "alertname", "revert-migration", "seen-version"];
  const request: RunnerJob = {
    name: "Check the rollback request",
    runsOn: config.workflows.runsOn,
    permissions: {},
    timeoutMinutes: 5,
    outputs: Object.fromEntries(outputs.map((name) => [name, `\${{ steps.request.outputs.${name} }}`])),
    steps: [
      Steps.run("Validate the environment, application and version", workflowScript("rollback-request.sh"), {
        id: "request",
        env: {
          INPUT_ENVIRONMENT: "${{ inputs.environment }}",
          INPUT_APPLICATION: "${{ inputs.application }}",
          INPUT_VERSION: "${{ inputs.version }}",
          INPUT_REASON: "${{ inputs.reason }}",
          INPUT_REVERT_MIGRATION: "${{ inputs.revert-migration }}",
          INPUT_SEEN_VERSION: "${{ inputs.seen-version }}",
          INPUT_ALERTNAME: "${{ inputs.alertname }}",
          ENVIRONMENTS: ENVIRONMENT_NAMES.join(" "),
          APPLICATIONS: applications.join(" "),
        },
      }),
    ],
  };
  const jobs: Record<string, Job> = { request };
  for (const environment of ENVIRONMENT_NAMES) jobs[rollbackJobId(environment)] = rollbackJob(config, environment);

  return {
    fileName: ROLLBACK_WORKFLOW_FILE,
    name: "Roll back",
    runName: "Roll back ${{ inputs.environment }}: ${{ inputs.reason }}",
    on: {
      workflowDispatch: {
        inputs: {
          environment: {
            description: "Environment to roll back.",
            type: "choice",
            options: ENVIRONMENT_NAMES,
            required: true,
          },
          application: {
            description: "Application to roll back.",
            type: "choice",
            options: ["all", ...applications],
            default: "all",
          },
          version: {
            description: "Version (image tag) to restore; empty restores the last known-good version.",
            type: "string",
            required: false,
          },
          reason: { description: "Why (recorded with the rollback).", type: "string", required: true },
          "revert-migration": {
            description: "Run the down migration of the version being rolled back first.",
            type: "boolean",
            default: false,
          },
          "seen-version": {
            description:
              "The version the alert saw serving: the rollback does nothing when another one serves by the time it runs. Empty for a manual rollback.",
            type: "string",
            required: false,
          },
          alertname: {
            description: "The alert that asked for the rollback (set by the alert webhook).",
            type: "string",
            required: false,
          },
        },
      },
    },
    permissions: {},
    defaultShell: "bash",
    jobs,
  };
}

function rollbackJob(config: PipelineConfig, environment: EnvironmentName): RunnerJob {
  const profile = config.environments[environment];
  const reversible = config.applications.some((application) => application.database?.rollbackCommand);
  const terraformEnv = terraformDeployEnv(config, environment);
  return {
    name: `Roll back ${environment}`,
    needs: ["request"],
    if: `\${{ needs.request.outputs.environment == '${environment}' }}`,
    runsOn: profile.deploy.runsOn,
    environment: { name: environment },
    permissions: { contents: "read", deployments: "write" },
    // A group of its own: a deploy pushed meanwhile cannot replace a queued rollback (GitHub keeps one pending run per
    // group). Its applies wait on the Terraform state lock of a deploy in progress (terraformDeployEnv's lock timeout).
    concurrency: { group: rollbackConcurrencyGroup(environment), cancelInProgress: false },
    timeoutMinutes: 45 + profile.deploy.rollbackVerificationMinutes,
    env: deployJobEnv(environment, "rollback"),
    steps: [
      ...pipelineSetupSteps(config),
      cliStep(config, "Resolve the versions to restore", "begin rollback", {
        id: "versions",
        env: {
          GH_TOKEN: secretExpression(PIPELINE_SECRETS.deployToken),
          ROLLBACK_APPLICATION: "${{ needs.request.outputs.application }}",
          ROLLBACK_VERSION: "${{ needs.request.outputs.version }}",
          ROLLBACK_REASON: "${{ needs.request.outputs.reason }}",
          ROLLBACK_ALERT: "${{ needs.request.outputs.alertname }}",
          ROLLBACK_SEEN_VERSION: "${{ needs.request.outputs.seen-version }}",
        },
      }),
      ...dockerHostAccessSteps(config, environment),
      cliStep(config, "Announce the rollback", "announce start", {
        id: "announce-start",
        env: announcementEnv(config),
      }),
      ...(reversible
        ? [
            cliStep(config, "Revert the last database migration with the current image", "revert-migrations", {
              id: "revert-migration",
              if: "${{ needs.request.outputs.revert-migration == 'true' }}",
              env: {
                REGISTRY_USERNAME: secretExpression(PIPELINE_SECRETS.registryUsername),
                REGISTRY_PASSWORD: secretExpression(PIPELINE_SECRETS.registryPassword),
                ...Object.fromEntries(profile.secrets.map((secret) => [secret.name, secretExpression(secret.name)])),
              },
            }),
          ]
        : []),
      cliStep(config, "Redeploy the known-good version (cdktf deploy)", "apply rollback", {
        id: "rollback",
        env: terraformEnv,
      }),
      cliStep(config, "Run the smoke tests", "smoke", { id: "smoke" }),
      cliStep(
        config,
        `Watch error rate and latency for ${profile.deploy.rollbackVerificationMinutes} minutes`,
        `verify --minutes ${profile.deploy.rollbackVerificationMinutes}`,
        { id: "verify" },
      ),
      cliStep(config, "Record the known-good version", "record-known-good", {
        id: "known-good",
        env: { GH_TOKEN: secretExpression(PIPELINE_SECRETS.deployToken) },
      }),
      ...recordSteps(config, environment, {
        stepIds: ["versions", ...(reversible ? ["revert-migration"] : []), "rollback", "smoke", "verify", "known-good"],
      }),
    ],
  };
}
