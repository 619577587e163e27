/**
 * Release (SOP §3.1, §8.2): on the configured cadence and on demand, bump the SemVer of the newest release tag (from
 * the commits since it, or as asked), set it in every application's package.json, commit, tag, and publish a GitHub
 * release whose notes group breaking changes, features and fixes. The release commit and its tag are pushed to the
 * default branch together with the release token (environment `release`, default branch only): a tag pushed with
 * the job's own token starts no workflow, and this tag must start the production deploy.
 */
import type { PipelineConfig } from "../../config/types";
import { PIPELINE_SECRETS, RELEASE_ENVIRONMENT, secretExpression } from "./pipeline-secrets";
import { Steps } from "./steps";
import type { Workflow } from "./workflows-model";
import { workflowScript } from "./scripts";

export const RELEASE_WORKFLOW_FILE = "release.yml";

export function releaseWorkflow(config: PipelineConfig): Workflow {
  const { workflows } = config;
  const contexts = [...new Set(config.applications.map((application) => application.build.context))];
  return {
    fileName: RELEASE_WORKFLOW_FILE,
    name: "Release",
    on: {
      schedule: [{ cron: workflows.releaseCron }],
      workflowDispatch: {
        inputs: {
          bump: {
            description:
              "Which part of the version to raise; auto reads the commits (breaking → major, feat → minor, else patch).",
            type: "choice",
            options: ["auto", "patch", "minor", "major"],
            default: "auto",
          },
        },
      },
    },
    permissions: {},
    concurrency: { group: "release", cancelInProgress: false },
    defaultShell: "bash",
    jobs: {
      release: {
        name: "Tag and publish the release",
        runsOn: workflows.runsOn,
        // The release token is a secret of this environment, which only the default branch reaches.
        environment: { name: RELEASE_ENVIRONMENT },
        permissions: { contents: "write" },
        timeoutMinutes: 15,
        steps: [
          Steps.run("Check that the tag will start the production deploy", workflowScript("release-token-check.sh"), {
            env: { RELEASE_TOKEN: secretExpression(PIPELINE_SECRETS.releaseToken) },
          }),
          Steps.checkout({
            fetchDepth: 0,
            ref: config.repository.defaultBranch,
            token: secretExpression(PIPELINE_SECRETS.releaseToken),
            persistCredentials: true,
          }),
          Steps.setupNodeWithoutCache(workflows.nodeVersion),
          Steps.run("Decide the version and write the release notes", workflowScript("release-plan.sh"), {
            id: "plan",
            env: {
              EVENT_NAME: "${{ github.event_name }}",
              BUMP: "${{ inputs.bump }}",
              EVERY_WEEKS: String(workflows.releaseEveryWeeks),
              TAG_PREFIX: workflows.releaseTagPrefix,
              FIRST_PACKAGE_JSON: contexts[0] === "." ? "package.json" : `${contexts[0]}/package.json`,
            },
          }),
          Steps.run(
            "Set the version in every application's package.json, commit and tag",
            workflowScript("release-tag.sh"),
            {
              if: "${{ steps.plan.outputs.due == 'true' }}",
              env: {
                VERSION: "${{ steps.plan.outputs.version }}",
                TAG: "${{ steps.plan.outputs.tag }}",
                CONTEXTS: contexts.join(" "),
                DEFAULT_BRANCH: config.repository.defaultBranch,
              },
            },
          ),
          Steps.run(
            "Publish the GitHub release",
            'gh release create "$TAG" --title "$TAG" --notes-file "$RUNNER_TEMP/release-notes.md" --verify-tag',
            {
              if: "${{ steps.plan.outputs.due == 'true' }}",
              env: { GH_TOKEN: "${{ github.token }}", TAG: "${{ steps.plan.outputs.tag }}" },
            },
          ),
        ],
      },
    },
  };
}
