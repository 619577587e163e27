/**
 * Repository administration (SOP §1.1, §6.1): the repository stack's apply — rulesets, the GitHub environments with
 * their reviewers, the workflow files — on every push to the default branch that changes the pipeline, and on
 * demand. It is the only job that holds the admin token, a secret of the `repository` environment, which only the
 * default branch reaches: code nobody reviewed never runs beside it. Generated only when the repository stack keeps
 * its state remotely: a runner applying from empty state would try to create everything again.
 */
import { ENVIRONMENT_NAMES } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { environmentSecretVariablePrefix } from "../github/environment-secret-values";
import { pipelineSetupSteps } from "./deploy-jobs";
import {
  ADMIN_ENVIRONMENT,
  backendCredentialEnv,
  PIPELINE_SECRETS,
  secretExpression,
  STATE_LOCK_TIMEOUT,
} from "./pipeline-secrets";
import { Steps } from "./steps";
import type { Workflow } from "./workflows-model";

export const REPOSITORY_WORKFLOW_FILE = "repository.yml";

/** The stack holding the repository-wide resources. */
const REPOSITORY_STACK = "repository";

export function repositoryWorkflow(config: PipelineConfig): Workflow | undefined {
  const backend = config.repository.backend;
  if (!backend || backend.type === "local") return undefined;
  const defaultBranch = config.repository.defaultBranch;
  const directory = config.workflows.pipelineDirectory;
  return {
    fileName: REPOSITORY_WORKFLOW_FILE,
    name: "Apply the repository settings",
    on: { push: { branches: [defaultBranch], paths: [`${directory}/**`] }, workflowDispatch: {} },
    permissions: {},
    concurrency: { group: "repository-apply", cancelInProgress: false },
    defaultShell: "bash",
    jobs: {
      apply: {
        name: `cdktf deploy ${REPOSITORY_STACK}`,
        // A dispatch from another branch stops here; the environment's branch policy stops it again.
        if: `\${{ github.ref == 'refs/heads/${defaultBranch}' }}`,
        runsOn: config.workflows.runsOn,
        environment: { name: ADMIN_ENVIRONMENT },
        permissions: { contents: "read" },
        timeoutMinutes: 30,
        env: { CHECKPOINT_DISABLE: "1" },
        steps: [
          ...pipelineSetupSteps(config),
          Steps.run(
            `Apply the ${REPOSITORY_STACK} stack`,
            `npx --no-install cdktf deploy ${REPOSITORY_STACK} --auto-approve`,
            {
              workingDirectory: directory,
              env: {
                GITHUB_TOKEN: secretExpression(PIPELINE_SECRETS.adminToken),
                TF_CLI_ARGS_plan: `-lock-timeout=${STATE_LOCK_TIMEOUT}`,
                TF_CLI_ARGS_apply: `-lock-timeout=${STATE_LOCK_TIMEOUT}`,
                CI: "true",
                ...environmentSecretValuesEnv(config),
                ...backendCredentialEnv(backend),
              },
            },
          ),
        ],
      },
    },
  };
}

/**
 * The values the repository stack writes into each environment's Terraform-managed secrets: `TF_VAR_<env>_secret_<name>`
 * from the `repository` environment's secret `<ENV>_<NAME>` (e.g. `PRODUCTION_DATABASE_URL`), so only this job,
 * never a deploy, holds a token that writes secrets.
 */
export function environmentSecretValuesEnv(config: PipelineConfig): Record<string, string> {
  return Object.fromEntries(
    ENVIRONMENT_NAMES.flatMap((environment) =>
      config.environments[environment].secrets
        .filter((secret) => secret.managedBy !== "external")
        .map((secret) => [
          `TF_VAR_${environmentSecretVariablePrefix(environment)}${secret.name.toLowerCase()}`,
          secretExpression(`${environment.toUpperCase()}_${secret.name}`),
        ]),
    ),
  );
}
