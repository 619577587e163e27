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
          bump: { description: "Which part of the version to raise; auto reads the commits (breaking → major, feat → minor, else patch).", type: "choice", options: ["auto", "patch", "minor", "major"], default: "auto" },
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
          Steps.run("Check that the tag will start the production deploy", TOKEN_CHECK_SCRIPT, { env: { RELEASE_TOKEN: secretExpression(PIPELINE_SECRETS.releaseToken) } }),
          Steps.checkout({ fetchDepth: 0, ref: config.repository.defaultBranch, token: secretExpression(PIPELINE_SECRETS.releaseToken), persistCredentials: true }),
          Steps.setupNodeWithoutCache(workflows.nodeVersion),
          Steps.run("Decide the version and write the release notes", PLAN_SCRIPT, {
            id: "plan",
            env: {
              EVENT_NAME: "${{ github.event_name }}",
              BUMP: "${{ inputs.bump }}",
              EVERY_WEEKS: String(workflows.releaseEveryWeeks),
              TAG_PREFIX: workflows.releaseTagPrefix,
              FIRST_PACKAGE_JSON: contexts[0] === "." ? "package.json" : `${contexts[0]}/package.json`,
            },
          }),
          Steps.run("Set the version in every application's package.json, commit and tag", TAG_SCRIPT, {
            if: "${{ steps.plan.outputs.due == 'true' }}",
            env: { VERSION: "${{ steps.plan.outputs.version }}", TAG: "${{ steps.plan.outputs.tag }}", CONTEXTS: contexts.join(" "), DEFAULT_BRANCH: config.repository.defaultBranch },
          }),
          Steps.run("Publish the GitHub release", 'gh release create "$TAG" --title "$TAG" --notes-file "$RUNNER_TEMP/release-notes.md" --verify-tag', {
            if: "${{ steps.plan.outputs.due == 'true' }}",
            env: { GH_TOKEN: "${{ github.token }}", TAG: "${{ steps.plan.outputs.tag }}" },
          }),
        ],
      },
    },
  };
}

const TOKEN_CHECK_SCRIPT = `if [ -z "$RELEASE_TOKEN" ]; then
  echo "::error::set the secret RELEASE_TOKEN on the release environment: a tag pushed with the workflow's own token would not start the production deploy"
  exit 1
fi`;

/** Conventional commits decide the bump and the sections of the notes. */
const PLAN_SCRIPT = `if [ "$EVENT_NAME" = "schedule" ] && (( $(date -u +%s) / 604800 % EVERY_WEEKS != 0 )); then
  echo "Not a release week (a release every $EVERY_WEEKS weeks)"
  echo "due=false" >> "$GITHUB_OUTPUT"
  exit 0
fi
# The newest release is the highest version among the tags, wherever they point: a release commit need not be an
# ancestor of HEAD (git describe would find the first release forever).
last=""
while read -r candidate; do
  if [[ "\${candidate#"$TAG_PREFIX"}" =~ ^[0-9]+\\.[0-9]+\\.[0-9]+$ ]]; then last="$candidate"; break; fi
done < <(git tag --list "\${TAG_PREFIX}[0-9]*" --sort=-version:refname)
if [ -n "$last" ]; then
  range="$last..HEAD"
  base="\${last#"$TAG_PREFIX"}"
else
  range="HEAD"
  base=""
fi
commits="$(git log --no-merges --format=%H "$range")"
if [ -z "$commits" ]; then
  echo "Nothing to release: no commits since $last"
  echo "due=false" >> "$GITHUB_OUTPUT"
  exit 0
fi
breaking=(); features=(); fixes=(); others=()
while read -r commit; do
  subject="$(git log -1 --format=%s "$commit")"
  line="- $subject (\${commit:0:7})"
  if [[ "$subject" =~ ^[a-z]+(\\([^\\)]*\\))?!: ]] || git log -1 --format=%b "$commit" | grep -q '^BREAKING[ -]CHANGE:'; then
    breaking+=("$line")
  elif [[ "$subject" =~ ^feat(\\([^\\)]*\\))?: ]]; then
    features+=("$line")
  elif [[ "$subject" =~ ^fix(\\([^\\)]*\\))?: ]]; then
    fixes+=("$line")
  else
    others+=("$line")
  fi
done <<< "$commits"
bump="\${BUMP:-auto}"
if [ "$bump" = "auto" ]; then
  if [ \${#breaking[@]} -gt 0 ]; then bump="major"; elif [ \${#features[@]} -gt 0 ]; then bump="minor"; else bump="patch"; fi
fi
if [ -z "$base" ]; then
  # The first release is the version the application already declares.
  version="$(node -p 'require(require("path").resolve(process.argv[1])).version' "$FIRST_PACKAGE_JSON")"
else
  IFS=. read -r major minor patch <<< "\${base%%-*}"
  case "$bump" in
    major) version="$((major + 1)).0.0" ;;
    minor) version="$major.$((minor + 1)).0" ;;
    *) version="$major.$minor.$((patch + 1))" ;;
  esac
fi
if ! [[ "$version" =~ ^[0-9]+\\.[0-9]+\\.[0-9]+$ ]]; then
  echo "::error::cannot derive a MAJOR.MINOR.PATCH version"
  exit 1
fi
tag="$TAG_PREFIX$version"
if git rev-parse -q --verify "refs/tags/$tag" > /dev/null; then
  echo "::error::the tag $tag exists already; delete the stray tag or release with a higher bump"
  exit 1
fi
notes="$RUNNER_TEMP/release-notes.md"
{
  echo "## $tag ($(date -u +%Y-%m-%d))"
  section() { local title="$1"; shift; if [ $# -gt 0 ]; then echo; echo "### $title"; printf '%s\\n' "$@"; fi; }
  section "Breaking changes" "\${breaking[@]}"
  section "Features" "\${features[@]}"
  section "Fixes" "\${fixes[@]}"
  section "Other changes" "\${others[@]}"
} > "$notes"
cat "$notes"
{
  echo "due=true"
  echo "version=$version"
  echo "tag=$tag"
} >> "$GITHUB_OUTPUT"`;

/**
 * The release commit goes onto the default branch with its tag, in one atomic push: package.json there stays in step
 * with the releases, and a default branch that moved meanwhile fails the push instead of being overwritten. The
 * release token's identity must be a bypass actor of the default-branch ruleset (`repository.rulesetBypass`).
 */
const TAG_SCRIPT = `for context in $CONTEXTS; do
  (cd "$context" && npm version "$VERSION" --no-git-tag-version --allow-same-version > /dev/null)
done
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git add -u
git diff --cached --quiet || git commit --quiet -m "release: $TAG"
git tag -a "$TAG" -F "$RUNNER_TEMP/release-notes.md"
git push --atomic origin "HEAD:refs/heads/$DEFAULT_BRANCH" "refs/tags/$TAG"`;
