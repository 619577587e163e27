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
        ? { inputs: { emergency: { description: "Deploy to production outside its deployment window.", type: "boolean", default: false } } }
        : {},
    },
    permissions: {},
    concurrency: { group: "hotfix-${{ github.ref }}", cancelInProgress: false },
    defaultShell: "bash",
    jobs: {
      ci: callWorkflow(ciWorkflow(config), { name: "Build and test" }),
      "deploy-staging": callWorkflow(deployWorkflow(config, "staging"), { name: "Deploy to staging", needs: ["ci"], with: { versions } }),
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
          Steps.run("Publish the hotfix as a patch release", RECORD_SCRIPT, {
            env: { GH_TOKEN: "${{ github.token }}", TAG_PREFIX: config.workflows.releaseTagPrefix, VERSIONS: versions, BRANCH: "${{ github.ref_name }}" },
          }),
        ],
      },
    },
  };
}

/**
 * The patch release after the release the branch was cut from. Its tag is created through the API with the job's
 * own token, which starts no workflow: production already runs this commit.
 */
const RECORD_SCRIPT = `last="$(git describe --tags --abbrev=0 --match "\${TAG_PREFIX}[0-9]*.[0-9]*.[0-9]*" 2>/dev/null || true)"
if [ -z "$last" ]; then
  echo "::error::the hotfix branch does not contain a release tag; cut hotfix branches from a release"
  exit 1
fi
IFS=. read -r major minor patch <<< "\${last#"$TAG_PREFIX"}"
next=$(( \${patch%%-*} + 1 ))
# The full clone has every tag: earlier hotfixes of the same release take the next free patch.
while git rev-parse -q --verify "refs/tags/$TAG_PREFIX$major.$minor.$next" > /dev/null; do
  next=$((next + 1))
done
tag="$TAG_PREFIX$major.$minor.$next"
notes="$RUNNER_TEMP/hotfix-notes.md"
{
  echo "## $tag (hotfix, $(date -u +%Y-%m-%d))"
  echo
  echo "Hotfix from \\\`$BRANCH\\\` on top of $last, deployed to staging and production."
  echo
  echo "### Fixes"
  git log --no-merges --format='- %s (%h)' "$last..HEAD"
  echo
  echo "### Deployed images"
  printf '%s' "$VERSIONS" | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const [app, tag] of Object.entries(v)) console.log("- " + app + ": " + tag);'
} > "$notes"
gh release create "$tag" --target "$GITHUB_SHA" --title "$tag (hotfix)" --notes-file "$notes"`;
