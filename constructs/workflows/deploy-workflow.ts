/**
 * Deploy, one workflow per environment (SOP §4): triggered by that environment's branches (continuous) or tags,
 * by dispatch with a version, or called by the hotfix workflow. The deploy job runs in the GitHub environment of
 * that name, so its reviewers, wait timer and branch policy apply, and follows the SOP's steps: announce → (scale
 * down, back up, migrate) and deploy with the version as Terraform variables → smoke tests → watch error rate
 * and latency → record → announce; on failure it rolls back to the last known-good version.
 */
import type { EnvironmentName } from "../../config/environments";
import type { ApplicationConfig, EnvironmentProfile, PipelineConfig } from "../../config/types";
import { environmentUrl } from "../../config/workflows-schema";
import { ACTIONS } from "./actions";
import { ciWorkflow } from "./ci-workflow";
import {
  announcementEnv,
  cliStep,
  deployConcurrencyGroup,
  deployJobEnv,
  dockerHostAccessSteps,
  pipelineSetupSteps,
  recordSteps,
} from "./deploy-jobs";
import {
  ENVIRONMENT_PIPELINE_SECRETS,
  PIPELINE_SECRETS,
  referencedSecrets,
  secretExpression,
  terraformDeployEnv,
} from "./pipeline-secrets";
import { callWorkflow } from "./reusable";
import { Steps } from "./steps";
import type { CallInput, CallSecret, DispatchInput, Job, RunnerJob, Step, Workflow } from "./workflows-model";

export function deployWorkflowFile(environment: EnvironmentName): string {
  return `deploy-${environment}.yml`;
}

/** Minutes for checkout, install and the other short steps. */
const SETUP_MINUTES = 15;
/** Minutes one apply (`cdktf deploy`) may take before its step fails, leaving the job time to roll back. */
const APPLY_MINUTES = 20;
/** Minutes of slack a watching step gets beyond its watch (queries, retries). */
const WATCH_SLACK_MINUTES = 5;

/**
 * Something was applied and did not hold, or the run was cancelled or timed out meanwhile: roll back. `failure()` alone
 * is skipped on cancel, and a job timeout counts as a cancel; a failed write of the known-good version after a good
 * verification is no reason.
 */
const ROLLBACK_CONDITION =
  "${{ (failure() || cancelled()) && steps.deploy.outcome != 'skipped' && steps.known-good.outcome != 'failure' }}";

export function deployWorkflow(config: PipelineConfig, environment: EnvironmentName): Workflow {
  const profile = config.environments[environment];
  const window = profile.deploymentWindow;
  const build = callWorkflow(ciWorkflow(config), {
    name: "Build and test",
    // Nothing to build when the caller or the dispatcher names the version.
    if: "${{ !inputs.version && !inputs.versions }}",
  });
  const jobs: Record<string, Job> = { build, deploy: deployJob(config, environment) };
  const environmentSecrets = new Set([
    ...profile.secrets.map((secret) => secret.name),
    ...ENVIRONMENT_PIPELINE_SECRETS,
  ]);
  const callSecrets: Record<string, CallSecret> = Object.fromEntries(
    referencedSecrets({ jobs })
      .filter((name) => !environmentSecrets.has(name))
      .map((name) => [
        name,
        { description: `Pipeline secret ${name} (or set it on the ${environment} environment).`, required: false },
      ]),
  );
  const emergencyInput: Record<string, DispatchInput & CallInput> = window
    ? {
        emergency: {
          description: `Deploy outside the deployment window (${window.days.join(", ")} ${window.start}–${window.end} ${window.timezone}) for a critical fix.`,
          type: "boolean",
          default: false,
        },
      }
    : {};

  return {
    fileName: deployWorkflowFile(environment),
    name: `Deploy to ${environment}`,
    runName: `Deploy to ${environment}: \${{ inputs.version || github.ref_name }}`,
    on: {
      ...pushTrigger(profile),
      workflowDispatch: {
        inputs: {
          version: {
            description: profile.deployOnPush
              ? "Image tag to deploy; empty builds and deploys this ref."
              : "Image tag to deploy, e.g. 1.4.2 (a release).",
            type: "string",
            required: !profile.deployOnPush,
          },
          ...emergencyInput,
        },
      },
      workflowCall: {
        inputs: {
          version: { description: "Image tag to deploy for every application.", type: "string", required: false },
          versions: {
            description: "Image tag per application, as a JSON object (CI's versions output).",
            type: "string",
            required: false,
          },
          ...emergencyInput,
        },
        secrets: callSecrets,
      },
    },
    permissions: {},
    defaultShell: "bash",
    jobs,
  };
}

function pushTrigger(profile: EnvironmentProfile): Pick<Workflow["on"], "push"> {
  const branches = profile.deployOnPush ? profile.branches : [];
  if (branches.length + profile.tags.length === 0) return {};
  return {
    push: { ...(branches.length > 0 ? { branches } : {}), ...(profile.tags.length > 0 ? { tags: profile.tags } : {}) },
  };
}

function deployJob(config: PipelineConfig, environment: EnvironmentName): RunnerJob {
  const profile = config.environments[environment];
  const strategy = profile.runtime.strategy;
  const window = profile.deploymentWindow;
  const url = environmentUrl(profile);
  const terraformEnv = terraformDeployEnv(config, environment);
  const canaryMinutes =
    strategy.type === "canary" ? strategy.steps.length * (profile.deploy.canaryStepMinutes + APPLY_MINUTES) : 0;
  const watchMinutes = profile.monitoring.monitoringWindowMinutes + WATCH_SLACK_MINUTES;
  const rollbackMinutes = APPLY_MINUTES + 2 * WATCH_SLACK_MINUTES + profile.deploy.rollbackVerificationMinutes;
  const applyCount = 1 + (strategy.type === "blue-green" ? 1 : 0) + (strategy.type === "canary" ? 1 : 0);
  const sentry = config.monitoring.sentry;

  const steps: Step[] = [
    ...pipelineSetupSteps(config, { fetchDepth: sentry ? 0 : 1 }),
    cliStep(config, "Resolve the versions to deploy", "begin deployment", {
      id: "versions",
      env: {
        GH_TOKEN: secretExpression(PIPELINE_SECRETS.deployToken),
        REQUESTED_VERSION: "${{ inputs.version }}",
        REQUESTED_VERSIONS: "${{ inputs.versions }}",
        BUILT_VERSIONS: "${{ needs.build.outputs.versions }}",
      },
    }),
    ...(window
      ? [
          cliStep(
            config,
            `Check the deployment window (${window.days.join(", ")} ${window.start}–${window.end} ${window.timezone})`,
            "check-window",
            { id: "window", env: { EMERGENCY: "${{ inputs.emergency }}" } },
          ),
        ]
      : []),
    ...dockerHostAccessSteps(config, environment),
    cliStep(config, "Announce the deployment start", "announce start", {
      id: "announce-start",
      env: announcementEnv(config),
    }),
    cliStep(config, deployStepName(config, environment), "apply deploy", {
      id: "deploy",
      env: terraformEnv,
      timeoutMinutes: APPLY_MINUTES,
    }),
    ...(strategy.type === "blue-green"
      ? [
          cliStep(config, "Switch traffic to the new slot", "apply switch", {
            id: "switch",
            env: terraformEnv,
            timeoutMinutes: APPLY_MINUTES,
          }),
        ]
      : []),
    ...(strategy.type === "canary"
      ? [
          cliStep(
            config,
            `Raise the canary's traffic ${strategy.steps.map((weight) => `${weight}%`).join(" → ")}, ${profile.deploy.canaryStepMinutes} minutes each, while it stays healthy`,
            "raise-canary",
            { id: "canary", env: terraformEnv, timeoutMinutes: canaryMinutes },
          ),
          cliStep(config, "Promote the canary to stable", "apply promote", {
            id: "promote",
            env: terraformEnv,
            timeoutMinutes: APPLY_MINUTES,
          }),
        ]
      : []),
    ...(sentry ? config.applications.map((application) => sentryReleaseStep(config, environment, application)) : []),
    cliStep(config, "Run the smoke tests", "smoke", { id: "smoke" }),
    cliStep(
      config,
      `Watch error rate and latency for ${profile.monitoring.monitoringWindowMinutes} minutes`,
      `verify --minutes ${profile.monitoring.monitoringWindowMinutes}`,
      { id: "verify", timeoutMinutes: watchMinutes },
    ),
    cliStep(config, "Record the known-good version", "record-known-good", {
      id: "known-good",
      env: { GH_TOKEN: secretExpression(PIPELINE_SECRETS.deployToken) },
    }),
    cliStep(config, "Roll back to the known-good version", "apply rollback", {
      id: "rollback",
      if: ROLLBACK_CONDITION,
      env: terraformEnv,
      timeoutMinutes: APPLY_MINUTES,
    }),
    Steps.run(
      "Verify the rollback",
      `node "$WTFB_CLI" smoke\nnode "$WTFB_CLI" verify --minutes ${profile.deploy.rollbackVerificationMinutes}`,
      {
        id: "verify-rollback",
        if: "${{ (failure() || cancelled()) && steps.rollback.outcome == 'success' }}",
        workingDirectory: config.workflows.pipelineDirectory,
        timeoutMinutes: profile.deploy.rollbackVerificationMinutes + WATCH_SLACK_MINUTES,
      },
    ),
    ...recordSteps(config, environment, {
      rollback:
        "${{ steps.rollback.outcome == 'success' && steps.verify-rollback.outcome == 'success' && 'success' || 'failure' }}",
      stepIds: [
        "versions",
        ...(window ? ["window"] : []),
        "deploy",
        ...(strategy.type === "blue-green" ? ["switch"] : []),
        ...(strategy.type === "canary" ? ["canary", "promote"] : []),
        "smoke",
        "verify",
        "known-good",
        "rollback",
        "verify-rollback",
      ],
    }),
  ];

  return {
    name: `Deploy to ${environment}`,
    needs: ["build"],
    // Runs after a successful build, or without one when the version was given.
    if: "${{ !cancelled() && (needs.build.result == 'success' || needs.build.result == 'skipped') }}",
    runsOn: profile.deploy.runsOn,
    environment: { name: environment, ...(url ? { url } : {}) },
    permissions: { contents: "read", deployments: "write" },
    // Never cancelled midway (a newer run replaces one still pending); the config refuses cancelInProgress.
    concurrency: { group: deployConcurrencyGroup(environment), cancelInProgress: false },
    // Every long step has its own timeout, so a hung step fails (and rolls back) well before the job would be cancelled.
    timeoutMinutes: SETUP_MINUTES + applyCount * APPLY_MINUTES + canaryMinutes + watchMinutes + rollbackMinutes,
    env: deployJobEnv(environment, "deployment"),
    steps,
  };
}

/** "a", "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}` : items.join("");
}

/** Applications a step name lists by name; more are counted. */
const STEP_NAME_APPLICATIONS = 3;

/** The deploy step says what it does, in the SOP's order: scale down, back up, migrate, then deploy (all inside one `cdktf deploy`). */
export function deployStepName(config: PipelineConfig, environment: EnvironmentName): string {
  const strategy = config.environments[environment].runtime.strategy;
  const withDatabase = config.applications.filter((application) => application.database);
  const scaledDown = withDatabase.filter((application) => application.database?.scaleDownDuringMigration);
  // A step name is one line in the run's log: past a few applications, their number says more than their names.
  const list = (applications: readonly ApplicationConfig[]) =>
    applications.length > STEP_NAME_APPLICATIONS
      ? `${applications.length} applications`
      : listed(applications.map((application) => application.name));
  const parts = [
    ...(scaledDown.length > 0 ? [`scale down ${list(scaledDown)}`] : []),
    ...(withDatabase.length > 0
      ? [`back up the database${withDatabase.length > 1 ? "s" : ""} of ${list(withDatabase)}`, "apply migrations"]
      : []),
    strategy.type === "rolling"
      ? `deploy the new version replica by replica`
      : strategy.type === "blue-green"
        ? "deploy the new version to the idle slot"
        : `deploy the new version as a canary at ${strategy.steps[0]}%`,
  ];
  const sentence = listed(parts);
  return `${sentence[0].toUpperCase()}${sentence.slice(1)} (cdktf deploy ${environment})`;
}

/** A Sentry release per application version, tied to its commits and this environment. */
function sentryReleaseStep(config: PipelineConfig, environment: EnvironmentName, application: ApplicationConfig): Step {
  const sentry = config.monitoring.sentry as NonNullable<PipelineConfig["monitoring"]["sentry"]>;
  return {
    name: `Create the Sentry release of ${application.name}`,
    id: `sentry-${application.name}`,
    uses: ACTIONS.sentryRelease,
    // Sentry being down is no reason to roll a deployment back.
    continueOnError: true,
    env: {
      SENTRY_AUTH_TOKEN: secretExpression(PIPELINE_SECRETS.sentryAuthToken),
      SENTRY_ORG: sentry.organization,
      SENTRY_PROJECT: sentry.project,
      SENTRY_URL: sentry.url,
    },
    with: {
      release: `${application.name}@\${{ steps.versions.outputs.${application.name} }}`,
      environment,
      set_commits: "auto",
      ignore_missing: true,
    },
  };
}
