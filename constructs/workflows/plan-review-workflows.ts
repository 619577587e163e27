/**
 * Plan review, safe for pull requests from forks: the `pull_request` workflow runs the pull request's code with a
 * read-only token and no secrets, and leaves the report as an artifact; the `workflow_run` workflow, which holds
 * the write token, never runs that code: it reads the artifact as data and keeps ONE comment up to date.
 * Where the pipeline's credentials are available (a branch of this repository, never a fork) and the repository
 * stack keeps its state remotely, a real `cdktf diff` of that stack is added.
 */
import type { BackendConfig, PipelineConfig } from "../../config/types";
import { backendCredentialEnv, PIPELINE_SECRETS, secretExpression } from "./pipeline-secrets";
import { Steps } from "./steps";
import type { RunnerJob, Step, Workflow } from "./workflows-model";
import { workflowScript } from "./scripts";
import { environmentSecretValuesEnv } from "./repository-workflow";

export const PLAN_REVIEW_WORKFLOW_FILE = "plan-review.yml";
export const PLAN_REVIEW_COMMENT_WORKFLOW_FILE = "plan-review-comment.yml";
const PLAN_REVIEW_WORKFLOW_NAME = "Plan review";

/** Hidden first line of the plan comment, by which it is found again. */
export const PLAN_REVIEW_MARKER = "<!-- wtfb-deploy plan review -->";

/** The repository stack's `cdktf diff` needs only the GitHub token; environment stacks need their environment's secrets, which a pull request must not reach. */
const DIFFED_STACK = "repository";

export function planReviewWorkflow(config: PipelineConfig): Workflow {
  const directory = config.workflows.pipelineDirectory;
  const backend = config.repository.backend;
  const setup = (fetchDepth: number): Step[] => [
    Steps.checkout({ fetchDepth }),
    Steps.setupNode(config.workflows.nodeVersion, `${directory}/package-lock.json`),
    Steps.run("Install wtfb-deploy", "npm ci --no-audit --no-fund", { workingDirectory: directory }),
  ];
  return {
    fileName: PLAN_REVIEW_WORKFLOW_FILE,
    name: PLAN_REVIEW_WORKFLOW_NAME,
    on: { pullRequest: { paths: [`${directory}/**`] } },
    permissions: {},
    concurrency: { group: "plan-review-${{ github.event.pull_request.number }}", cancelInProgress: true },
    defaultShell: "bash",
    jobs: {
      review: {
        name: "Synthesize the pull request and its base",
        runsOn: config.workflows.runsOn,
        permissions: { contents: "read" },
        timeoutMinutes: 20,
        steps: [
          // The whole history: the review synthesizes the base commit too.
          ...setup(0),
          Steps.run("Report what would change, per stack, destroys first", workflowScript("plan-review.sh"), {
            workingDirectory: directory,
            env: {
              BASE_SHA: "${{ github.event.pull_request.base.sha }}",
              HEAD_SHA: "${{ github.event.pull_request.head.sha }}",
              PULL_REQUEST: "${{ github.event.pull_request.number }}",
              RUN_URL: "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
              REPORT_LENGTH: String(COMMENT_REPORT_LENGTH),
            },
          }),
          Steps.uploadArtifact({
            name: "plan-review",
            description: "the report (data for the comment workflow)",
            path: "${{ runner.temp }}/plan-review/",
            retentionDays: 7,
          }),
        ],
      },
      // A diff against local state would diff against nothing: only a remote backend holds the real state.
      ...(backend && backend.type !== "local" ? { diff: diffJob(config, backend, setup(1)) } : {}),
    },
  };
}

function diffJob(config: PipelineConfig, backend: BackendConfig, setup: Step[]): RunnerJob {
  return {
    name: "cdktf diff against the real state",
    // Forks never get here: secrets are not theirs to use.
    if: "${{ github.event.pull_request.head.repo.full_name == github.repository }}",
    runsOn: config.workflows.runsOn,
    permissions: { contents: "read" },
    timeoutMinutes: 20,
    env: { HAS_CREDENTIALS: `\${{ secrets.${PIPELINE_SECRETS.planReviewToken} != '' }}`, CHECKPOINT_DISABLE: "1" },
    steps: [
      ...setup,
      { ...Steps.setupTerraform(), if: "${{ env.HAS_CREDENTIALS == 'true' }}" },
      Steps.run(`cdktf diff ${DIFFED_STACK}`, workflowScript("plan-diff.sh"), {
        if: "${{ env.HAS_CREDENTIALS == 'true' }}",
        workingDirectory: config.workflows.pipelineDirectory,
        env: {
          GITHUB_TOKEN: secretExpression(PIPELINE_SECRETS.planReviewToken),
          STACK: DIFFED_STACK,
          ...secretValuePlaceholders(config),
          ...backendCredentialEnv(backend),
        },
      }),
      Steps.uploadArtifact({
        name: "plan-diff",
        description: "the diff",
        path: "${{ runner.temp }}/plan-diff/",
        retentionDays: 7,
        required: false,
        if: "${{ env.HAS_CREDENTIALS == 'true' }}",
      }),
    ],
  };
}

/** Text standing in for an environment secret's value in the pull request's diff. */
export const SECRET_VALUE_PLACEHOLDER = "not-available-to-a-pull-request";

/**
 * The repository stack's secret-value variables, each set to a placeholder: a pull request never holds the values
 * (they are secrets of the `repository` environment), and a diff without them could not plan. The diff therefore
 * shows each Terraform-managed environment secret as updated, its value hidden as sensitive.
 */
function secretValuePlaceholders(config: PipelineConfig): Record<string, string> {
  return Object.fromEntries(
    Object.keys(environmentSecretValuesEnv(config)).map((name) => [name, SECRET_VALUE_PLACEHOLDER]),
  );
}

export function planReviewCommentWorkflow(config: PipelineConfig): Workflow {
  return {
    fileName: PLAN_REVIEW_COMMENT_WORKFLOW_FILE,
    name: "Plan review comment",
    on: { workflowRun: { workflows: [PLAN_REVIEW_WORKFLOW_NAME], types: ["completed"] } },
    permissions: {},
    defaultShell: "bash",
    jobs: {
      comment: {
        name: "Create or update the plan comment",
        if: "${{ github.event.workflow_run.event == 'pull_request' && github.event.workflow_run.conclusion == 'success' }}",
        runsOn: config.workflows.runsOn,
        permissions: { actions: "read", "pull-requests": "write" },
        timeoutMinutes: 10,
        // No checkout: nothing from the pull request runs here.
        steps: [
          Steps.downloadArtifactsOfRun(
            "plan-*",
            "${{ github.event.workflow_run.id }}",
            "${{ runner.temp }}/plan-artifacts",
          ),
          Steps.run("Create or update the one plan comment", workflowScript("plan-comment.sh"), {
            env: {
              GH_TOKEN: "${{ github.token }}",
              REPOSITORY: "${{ github.repository }}",
              HEAD_SHA: "${{ github.event.workflow_run.head_sha }}",
              RUN_URL: "${{ github.event.workflow_run.html_url }}",
              ARTIFACTS: "${{ runner.temp }}/plan-artifacts",
              MARKER: PLAN_REVIEW_MARKER,
              REPORT_LENGTH: String(COMMENT_REPORT_LENGTH),
            },
          }),
        ],
      },
    },
  };
}

/** Characters of the review in the comment (GitHub holds 65,536; the real diff and the footer take the rest). */
const COMMENT_REPORT_LENGTH = 55_000;
