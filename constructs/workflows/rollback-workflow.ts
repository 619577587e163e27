/**
 * Rollback (SOP §5.2): dispatched by hand (environment, application, version defaulting to the last known-good,
 * reason, whether to revert the last migration) or by the Grafana alert webhook (`repository_dispatch` with the
 * contract's event type). Redeploys the known-good version, verifies it, annotates Grafana, notifies, and records
 * the reason. One job per environment, so each runs in that environment with its own strategy and approvals.
 */
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { ROLLBACK_DISPATCH_EVENT } from "../contract";
import { announcementEnv, cliStep, deployConcurrencyGroup, deployJobEnv, dockerHostAccessSteps, pipelineSetupSteps, recordSteps } from "./deploy-jobs";
import { PIPELINE_SECRETS, secretExpression, terraformDeployEnv } from "./pipeline-secrets";
import { Steps } from "./steps";
import type { Job, RunnerJob, Workflow } from "./workflows-model";

export const ROLLBACK_WORKFLOW_FILE = "rollback.yml";

export function rollbackJobId(environment: EnvironmentName): string {
  return `rollback-${environment}`;
}

export function rollbackWorkflow(config: PipelineConfig): Workflow {
  const applications = config.applications.map((application) => application.name);
  const request: RunnerJob = {
    name: "Check the rollback request",
    runsOn: config.workflows.runsOn,
    permissions: {},
    timeoutMinutes: 5,
    outputs: Object.fromEntries(["environment", "application", "version", "reason", "alertname", "revert-migration"].map((name) => [name, `\${{ steps.request.outputs.${name} }}`])),
    steps: [
      Steps.run("Validate the environment, application and version", REQUEST_SCRIPT, {
        id: "request",
        env: {
          EVENT_NAME: "${{ github.event_name }}",
          INPUT_ENVIRONMENT: "${{ inputs.environment }}",
          INPUT_APPLICATION: "${{ inputs.application }}",
          INPUT_VERSION: "${{ inputs.version }}",
          INPUT_REASON: "${{ inputs.reason }}",
          INPUT_REVERT_MIGRATION: "${{ inputs.revert-migration }}",
          PAYLOAD_ENVIRONMENT: "${{ github.event.client_payload.environment }}",
          PAYLOAD_APPLICATION: "${{ github.event.client_payload.application }}",
          PAYLOAD_REASON: "${{ github.event.client_payload.reason }}",
          PAYLOAD_ALERTNAME: "${{ github.event.client_payload.alertname }}",
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
    runName: "Roll back ${{ inputs.environment || github.event.client_payload.environment }}: ${{ inputs.reason || github.event.client_payload.alertname }}",
    on: {
      workflowDispatch: {
        inputs: {
          environment: { description: "Environment to roll back.", type: "choice", options: ENVIRONMENT_NAMES, required: true },
          application: { description: "Application to roll back.", type: "choice", options: ["all", ...applications], default: "all" },
          version: { description: "Version (image tag) to restore; empty restores the last known-good version.", type: "string", required: false },
          reason: { description: "Why (recorded with the rollback).", type: "string", required: true },
          "revert-migration": { description: "Run the down migration of the version being rolled back first.", type: "boolean", default: false },
        },
      },
      repositoryDispatch: { types: [ROLLBACK_DISPATCH_EVENT] },
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
    // Shares the deploy lock: a rollback waits for a deploy in progress and never runs beside one.
    concurrency: { group: deployConcurrencyGroup(environment), cancelInProgress: false },
    timeoutMinutes: 45 + profile.deploy.rollbackVerificationMinutes,
    env: deployJobEnv(environment, "rollback"),
    steps: [
      ...pipelineSetupSteps(config),
      cliStep(config, "Resolve the versions to restore", "begin rollback", {
        id: "versions",
        env: {
          GH_TOKEN: secretExpression(PIPELINE_SECRETS.adminToken),
          ROLLBACK_APPLICATION: "${{ needs.request.outputs.application }}",
          ROLLBACK_VERSION: "${{ needs.request.outputs.version }}",
          ROLLBACK_REASON: "${{ needs.request.outputs.reason }}",
          ROLLBACK_ALERT: "${{ needs.request.outputs.alertname }}",
        },
      }),
      ...dockerHostAccessSteps(config, environment),
      cliStep(config, "Announce the rollback", "announce start", { id: "announce-start", env: announcementEnv(config) }),
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
      cliStep(config, "Redeploy the known-good version (cdktf deploy)", "apply rollback", { id: "rollback", env: terraformEnv }),
      cliStep(config, "Run the smoke tests", "smoke", { id: "smoke" }),
      cliStep(config, `Watch error rate and latency for ${profile.deploy.rollbackVerificationMinutes} minutes`, `verify --minutes ${profile.deploy.rollbackVerificationMinutes}`, { id: "verify" }),
      cliStep(config, "Record the known-good version", "record-known-good", { id: "known-good", env: { GH_TOKEN: secretExpression(PIPELINE_SECRETS.adminToken) } }),
      ...recordSteps(config, environment, { stepIds: ["versions", ...(reversible ? ["revert-migration"] : []), "rollback", "smoke", "verify", "known-good"] }),
    ],
  };
}

/** Inputs and alert payloads are untrusted text: only known names and image tags pass, the reason is flattened to one line. */
const REQUEST_SCRIPT = `if [ "$EVENT_NAME" = "repository_dispatch" ]; then
  environment="$PAYLOAD_ENVIRONMENT"; application="\${PAYLOAD_APPLICATION:-all}"; version=""
  reason="$PAYLOAD_REASON"; alertname="$PAYLOAD_ALERTNAME"; revert="false"
else
  environment="$INPUT_ENVIRONMENT"; application="\${INPUT_APPLICATION:-all}"; version="$INPUT_VERSION"
  reason="$INPUT_REASON"; alertname=""; revert="\${INPUT_REVERT_MIGRATION:-false}"
fi
if ! [[ " $ENVIRONMENTS " == *" $environment "* ]] || [ -z "$environment" ]; then
  echo "::error::the rollback names no known environment (expected one of: $ENVIRONMENTS)"
  exit 1
fi
if ! [[ " all $APPLICATIONS " == *" $application "* ]] || [ -z "$application" ]; then
  echo "::error::the rollback names no known application (expected all or one of: $APPLICATIONS)"
  exit 1
fi
if [ -n "$version" ] && ! [[ "$version" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]]; then
  echo "::error::the version is not an image tag (letters, digits, . _ -)"
  exit 1
fi
[ "$revert" = "true" ] || revert="false"
reason="$(printf '%s' "$reason" | tr -d '\\r' | tr '\\n' ' ' | cut -c1-200)"
alertname="$(printf '%s' "$alertname" | tr -cd 'A-Za-z0-9_.:-' | cut -c1-100)"
{
  echo "environment=$environment"
  echo "application=$application"
  echo "version=$version"
  echo "reason=\${reason:-rollback requested by $GITHUB_ACTOR}"
  echo "alertname=$alertname"
  echo "revert-migration=$revert"
} >> "$GITHUB_OUTPUT"
echo "Rolling back $application in $environment"`;
