/**
 * Hotfix (SOP §7.2): a push to a hotfix branch cut from production runs CI, deploys to staging, then to production
 * behind production's own approval (the same deploy workflows, called), and records the hotfix as a patch release
 * in the release notes. Dispatch it with `emergency` to deploy outside production's deployment window.
 */
import type { PipelineConfig } from "../../config/types";
import { ciWorkflow } from "./ci-workflow";
import { deployWorkflow } from "./deploy-workflow";
import { callWorkflow } from "./reusable";
import { Steps } from "./steps";
import type { Workflow } from "./workflows-model";
import { workflowScript } from "./scripts";

export const HOTFIX_WORKFLOW_FILE = "hotfix.yml";

export function hotfixWorkflow(config: PipelineConfig): Workflow {
  const versions = "${{ needs.ci.outputs.versions }}";
  const productionWindow = config.environments.production.deploymentWindow;
  return {
    fileName: HOTFIX_WORKFLOW_FILE,
    name: "Hotfix",
    on: {
      push: { branches: [config.repository.hotfixBranches] },
      workflowDispatch: productionWindow
        ? {
            inputs: {
              emergency: {
                description: "Deploy to production outside its deployment window.",
                type: "boolean",
                default: false,
              },
            },
          }
        : {},
    },
    permissions: {},
    concurrency: { group: "hotfix-${{ github.ref }}", cancelInProgress: false },
    defaultShell: "bash",
    jobs: {
      ci: callWorkflow(ciWorkflow(config), { name: "Build and test" }),
      "deploy-staging": callWorkflow(deployWorkflow(config, "staging"), {
        name: "Deploy to staging",
        needs: ["ci"],
        with: { versions },
      }),
      "deploy-production": callWorkflow(deployWorkflow(config, "production"), {
        name: "Deploy to production",
        needs: ["ci", "deploy-staging"],
        with: { versions, ...(productionWindow ? { emergency: "${{ inputs.emergency == true }}" } : {}) },
      }),
      "record-hotfix": {
        name: "Record the hotfix in the release notes",
        needs: ["ci", "deploy-production"],
        runsOn: config.workflows.runsOn,
        permissions: { contents: "write" },
        timeoutMinutes: 10,
        steps: [
          Steps.checkout({ fetchDepth: 0 }),
          Steps.run("Publish the hotfix as a patch release", workflowScript("hotfix-release.sh"), {
            env: {
              GH_TOKEN: "${{ github.token }}",
              TAG_PREFIX: config.workflows.releaseTagPrefix,
              VERSIONS: versions,
              BRANCH: "${{ github.ref_name }}",
            },
          }),
        ],
      },
    },
  };
}
