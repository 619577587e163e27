/**
 * CI (SOP §2): install with a dependency cache, lint and type check, unit and integration tests, production
 * assets, and one container image per application, versioned per §2.2 (SemVer from the application's package.json,
 * plus commit and build time). Runs on pull requests (its job names are the required status checks), on pushes to
 * the default branch, and as a reusable workflow for the deploy and hotfix workflows, which deploy what it built.
 */
import type { ApplicationConfig, PipelineConfig } from "../../config/types";
import { ACTIONS } from "./actions";
import { registryHost, Steps } from "./steps";
import type { RunnerJob, Step, Workflow } from "./workflows-model";

export const CI_WORKFLOW_FILE = "ci.yml";

/** What each CI job is called: the names of the status checks a pull request must pass. */
export function ciCheckNames(config: PipelineConfig): { lint: string; test: string; build: string; packages: Record<string, string> } {
  return {
    lint: "Lint and type check",
    test: config.workflows.commands.integrationTest ? "Unit and integration tests" : "Unit tests",
    build: "Build production assets",
    packages: Object.fromEntries(config.applications.map((application) => [application.name, `Package ${application.name}`])),
  };
}

/** The required status checks of the default branch: every CI job. */
export function ciRequiredChecks(config: PipelineConfig): string[] {
  const names = ciCheckNames(config);
  return [names.lint, names.test, names.build, ...Object.values(names.packages)];
}

export function packageJobId(application: string): string {
  return `package-${application}`;
}

export function ciWorkflow(config: PipelineConfig): Workflow {
  const names = ciCheckNames(config);
  const { commands } = config.workflows;
  const runsOn = config.workflows.runsOn;
  const prepare = (): Step[] => [Steps.checkout(), Steps.setupNode(config.workflows.nodeVersion, "package-lock.json"), Steps.run("Install dependencies", commands.install)];
  const defaultBranchDeploysOnPush = Object.values(config.environments).some((environment) => environment.deployOnPush && environment.branches.includes(config.repository.defaultBranch));
  const assets = config.applications.filter((application) => application.build.outputDirectory !== undefined);

  const lint: RunnerJob = {
    name: names.lint,
    runsOn,
    permissions: { contents: "read" },
    timeoutMinutes: 15,
    steps: [...prepare(), Steps.run("Lint", commands.lint), Steps.run("Type check", commands.typecheck)],
  };
  const test: RunnerJob = {
    name: names.test,
    runsOn,
    permissions: { contents: "read" },
    timeoutMinutes: 30,
    steps: [...prepare(), Steps.run("Unit tests", commands.unitTest), ...(commands.integrationTest ? [Steps.run("Integration tests", commands.integrationTest)] : [])],
  };
  const build: RunnerJob = {
    name: names.build,
    runsOn,
    permissions: { contents: "read" },
    timeoutMinutes: 20,
    steps: [
      ...prepare(),
      Steps.run("Build production assets", commands.build),
      ...(assets.length > 0
        ? [Steps.uploadArtifact({ name: "production-assets", description: "the production assets", path: assets.map((application) => joinPath(application.build.context, application.build.outputDirectory as string)).join("\n"), retentionDays: 14 })]
        : []),
    ],
  };
  const packages = Object.fromEntries(config.applications.map((application) => [packageJobId(application.name), packageJob(config, application, names.packages[application.name])]));

  return {
    fileName: CI_WORKFLOW_FILE,
    name: "CI",
    on: {
      pullRequest: {},
      ...(defaultBranchDeploysOnPush ? {} : { push: { branches: [config.repository.defaultBranch] } }),
      workflowCall: {
        secrets: {
          REGISTRY_USERNAME: { description: "User that pushes application images.", required: false },
          REGISTRY_PASSWORD: { description: "Password or token of that user.", required: false },
        },
        outputs: {
          versions: {
            description: "The image tag built for each application, as a JSON object.",
            // Tags are validated by the package jobs, so splicing them into JSON is safe.
            value: `{${config.applications.map((application) => `"${application.name}": "\${{ jobs.${packageJobId(application.name)}.outputs.version }}"`).join(", ")}}`,
          },
        },
      },
    },
    permissions: {},
    concurrency: { group: "ci-${{ github.event_name }}-${{ github.ref }}", cancelInProgress: "${{ github.event_name == 'pull_request' }}" },
    defaultShell: "bash",
    jobs: { lint, test, build, ...packages },
  };
}

function packageJob(config: PipelineConfig, application: ApplicationConfig, name: string): RunnerJob {
  const context = application.build.context;
  const registry = registryHost(application.image);
  const pushing = "github.event_name != 'pull_request'";
  return {
    name,
    needs: ["lint", "test", "build"],
    runsOn: config.workflows.runsOn,
    permissions: { contents: "read" },
    timeoutMinutes: 30,
    outputs: { version: "${{ steps.version.outputs.version }}" },
    steps: [
      Steps.checkout(),
      Steps.run("Version the image: SemVer from package.json, commit and build time", VERSION_SCRIPT, {
        id: "version",
        env: { PACKAGE_JSON: joinPath(context, "package.json"), IMAGE: application.image, RELEASE_TAG_PREFIX: config.workflows.releaseTagPrefix },
      }),
      Steps.setupBuildx(),
      Steps.registryLogin(registry, pushing),
      {
        name: "Build the image, and push it unless this is a pull request",
        id: "image",
        uses: ACTIONS.buildPush,
        with: {
          context,
          file: joinPath(context, application.build.dockerfile),
          push: `\${{ ${pushing} }}`,
          tags: "${{ steps.version.outputs.tags }}",
          labels: "${{ steps.version.outputs.labels }}",
          "cache-from": `type=gha,scope=${application.name}`,
          "cache-to": `type=gha,mode=max,scope=${application.name}`,
        },
      },
      Steps.run("Write the build record", BUILD_INFO_SCRIPT, {
        env: {
          APPLICATION: application.name,
          VERSION: "${{ steps.version.outputs.version }}",
          CREATED: "${{ steps.version.outputs.created }}",
          TAGS: "${{ steps.version.outputs.tags }}",
          DIGEST: "${{ steps.image.outputs.digest }}",
          PUSHED: `\${{ ${pushing} }}`,
        },
      }),
      Steps.uploadArtifact({ name: `build-${application.name}`, description: "the build record", path: "${{ runner.temp }}/build-info.json", retentionDays: 90 }),
    ],
  };
}

function joinPath(directory: string, file: string): string {
  return directory === "." || directory === "" ? file : `${directory.replace(/\/+$/, "")}/${file}`;
}

/**
 * SOP §2.2: the version comes from package.json (SemVer), builds are tagged with the commit and carry their build
 * time. A release tag build also gets the plain version; branch builds never overwrite it.
 */
const VERSION_SCRIPT = `version="$(node -p 'require(require("path").resolve(process.argv[1])).version' "$PACKAGE_JSON")"
if ! [[ "$version" =~ ^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "::error file=$PACKAGE_JSON::the version in $PACKAGE_JSON is not SemVer (MAJOR.MINOR.PATCH)"
  exit 1
fi
sha7="\${GITHUB_SHA::7}"
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
deployed="$version-$sha7"
tags="$IMAGE:$version-$sha7
$IMAGE:sha-$sha7"
if [[ "$GITHUB_REF" == refs/tags/* ]]; then
  if [ "\${GITHUB_REF#refs/tags/}" != "$RELEASE_TAG_PREFIX$version" ]; then
    echo "::error file=$PACKAGE_JSON::the release tag does not match the version in $PACKAGE_JSON; release with the release workflow, which sets both"
    exit 1
  fi
  deployed="$version"
  tags="$tags
$IMAGE:$version"
fi
{
  echo "version=$deployed"
  echo "created=$created"
  echo "tags<<__TAGS__"
  echo "$tags"
  echo "__TAGS__"
  echo "labels<<__LABELS__"
  echo "org.opencontainers.image.version=$version"
  echo "org.opencontainers.image.revision=$GITHUB_SHA"
  echo "org.opencontainers.image.created=$created"
  echo "org.opencontainers.image.source=$GITHUB_SERVER_URL/$GITHUB_REPOSITORY"
  echo "__LABELS__"
} >> "$GITHUB_OUTPUT"
echo "$IMAGE: $deployed (built $created)"`;

const BUILD_INFO_SCRIPT = `node -e '
  const env = process.env;
  const info = { application: env.APPLICATION, version: env.VERSION, commit: env.GITHUB_SHA, ref: env.GITHUB_REF, created: env.CREATED,
    tags: env.TAGS.split("\\n").filter(Boolean), digest: env.DIGEST || null, pushed: env.PUSHED === "true", run: env.GITHUB_SERVER_URL + "/" + env.GITHUB_REPOSITORY + "/actions/runs/" + env.GITHUB_RUN_ID };
  require("fs").writeFileSync(env.RUNNER_TEMP + "/build-info.json", JSON.stringify(info, null, 2) + "\\n");
'`;
