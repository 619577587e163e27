/**
 * CI (SOP §2): install with a dependency cache, lint and type check, unit and integration tests, production
 * assets, and one container image per application, versioned per §2.2 (SemVer from the application's package.json,
 * plus commit and build time). Runs on pull requests (its job names are the required status checks), on pushes to
 * the default branch, and as a reusable workflow for the deploy and hotfix workflows, which deploy what it built.
 *
 * The images are one job run per application, from a matrix: adding an application adds one matrix entry, not a
 * job, and each run's name is still `Package <application>`, the status check branch rules require. A matrix job
 * has no per-run outputs, so each run uploads its build record and a last job reads them all into `versions`.
 */
import type { ApplicationConfig, PipelineConfig } from "../../config/types";
import { ACTIONS } from "./actions";
import { VERSION_PATTERN } from "./runtime/release-plan";
import { registryHost, Steps } from "./steps";
import type { RunnerJob, Step, Workflow } from "./workflows-model";
import { workflowScript } from "./scripts";

export const CI_WORKFLOW_FILE = "ci.yml";

/** What each CI job is called: the names of the status checks a pull request must pass. */
export function ciCheckNames(config: PipelineConfig): {
  lint: string;
  test: string;
  build: string;
  packages: Record<string, string>;
} {
  return {
    lint: "Lint and type check",
    test: config.workflows.commands.integrationTest ? "Unit and integration tests" : "Unit tests",
    build: "Build production assets",
    packages: Object.fromEntries(
      config.applications.map((application) => [application.name, packageCheckName(application.name)]),
    ),
  };
}

/** The status check of an application's package run (the matrix job's name, with the application filled in). */
function packageCheckName(application: string): string {
  return `Package ${application}`;
}

/** The required status checks of the default branch: every CI job. */
export function ciRequiredChecks(config: PipelineConfig): string[] {
  const names = ciCheckNames(config);
  return [names.lint, names.test, names.build, ...Object.values(names.packages)];
}

/** Id of the matrix job that builds every application's image. */
export const PACKAGE_JOB_ID = "package";
/** Id of the job that reads the build records into the `versions` output. */
export const VERSIONS_JOB_ID = "versions";
/** Name of the artifact holding an application's build record. */
export function buildRecordArtifact(application: string): string {
  return `build-${application}`;
}

export function ciWorkflow(config: PipelineConfig): Workflow {
  const names = ciCheckNames(config);
  const { commands } = config.workflows;
  const runsOn = config.workflows.runsOn;
  const prepare = (): Step[] => [
    Steps.checkout(),
    Steps.setupNode(config.workflows.nodeVersion, "package-lock.json"),
    Steps.run("Install dependencies", commands.install),
  ];
  const defaultBranchDeploysOnPush = Object.values(config.environments).some(
    (environment) => environment.deployOnPush && environment.branches.includes(config.repository.defaultBranch),
  );
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
    steps: [
      ...prepare(),
      Steps.run("Unit tests", commands.unitTest),
      ...(commands.integrationTest ? [Steps.run("Integration tests", commands.integrationTest)] : []),
    ],
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
        ? [
            Steps.uploadArtifact({
              name: "production-assets",
              description: "the production assets",
              path: assets
                .map((application) => joinPath(application.build.context, application.build.outputDirectory as string))
                .join("\n"),
              retentionDays: 14,
            }),
          ]
        : []),
    ],
  };
  const packages = packageJob(config);

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
            value: `\${{ jobs.${VERSIONS_JOB_ID}.outputs.versions }}`,
          },
        },
      },
    },
    permissions: {},
    concurrency: {
      group: "ci-${{ github.event_name }}-${{ github.ref }}",
      cancelInProgress: "${{ github.event_name == 'pull_request' }}",
    },
    defaultShell: "bash",
    jobs: { lint, test, build, [PACKAGE_JOB_ID]: packages, [VERSIONS_JOB_ID]: versionsJob(config) },
  };
}

/** `Package <application>` for every application: the run's name is the status check's name. */
function packageJob(config: PipelineConfig): RunnerJob {
  const pushing = "github.event_name != 'pull_request'";
  // One registry (the usual case) is written out; several are read from the run's matrix entry.
  const oneRegistry =
    new Set(config.applications.map((application) => registryHost(application.image) ?? "")).size === 1;
  const login = oneRegistry
    ? Steps.registryLogin(registryHost(config.applications[0].image), pushing)
    : {
        ...Steps.registryLogin("${{ matrix.registry }}", pushing),
        name: "Log in to ${{ matrix.registry || 'Docker Hub' }}",
      };
  return {
    name: packageCheckName("${{ matrix.application }}"),
    needs: ["lint", "test", "build"],
    runsOn: config.workflows.runsOn,
    permissions: { contents: "read" },
    timeoutMinutes: 30,
    // One application's failed build must not cancel the others' (each is its own status check).
    strategy: {
      failFast: false,
      include: config.applications.map((application) => matrixEntry(application, !oneRegistry)),
    },
    steps: [
      Steps.checkout(),
      Steps.run(
        "Version the image: SemVer from package.json, commit and build time",
        workflowScript("image-version.sh"),
        {
          id: "version",
          env: {
            PACKAGE_JSON: "${{ matrix.package-json }}",
            IMAGE: "${{ matrix.image }}",
            RELEASE_TAG_PREFIX: config.workflows.releaseTagPrefix,
          },
        },
      ),
      Steps.setupBuildx(),
      login,
      {
        name: "Build the image, and push it unless this is a pull request",
        id: "image",
        uses: ACTIONS.buildPush,
        with: {
          context: "${{ matrix.context }}",
          file: "${{ matrix.dockerfile }}",
          push: `\${{ ${pushing} }}`,
          tags: "${{ steps.version.outputs.tags }}",
          labels: "${{ steps.version.outputs.labels }}",
          "cache-from": "type=gha,scope=${{ matrix.application }}",
          "cache-to": "type=gha,mode=max,scope=${{ matrix.application }}",
        },
      },
      Steps.run("Write the build record", workflowScript("build-record.sh"), {
        env: {
          APPLICATION: "${{ matrix.application }}",
          VERSION: "${{ steps.version.outputs.version }}",
          CREATED: "${{ steps.version.outputs.created }}",
          TAGS: "${{ steps.version.outputs.tags }}",
          DIGEST: "${{ steps.image.outputs.digest }}",
          PUSHED: `\${{ ${pushing} }}`,
        },
      }),
      Steps.uploadArtifact({
        name: buildRecordArtifact("${{ matrix.application }}"),
        description: "the build record",
        path: "${{ runner.temp }}/build-info.json",
        retentionDays: 90,
      }),
    ],
  };
}

/** What one package run needs to know of its application. */
function matrixEntry(application: ApplicationConfig, withRegistry: boolean): Record<string, string> {
  const context = application.build.context;
  return {
    application: application.name,
    image: application.image,
    context,
    dockerfile: joinPath(context, application.build.dockerfile),
    "package-json": joinPath(context, "package.json"),
    ...(withRegistry ? { registry: registryHost(application.image) ?? "" } : {}),
  };
}

/** Reads every application's build record into one JSON object of image tags, and fails if one is missing. */
function versionsJob(config: PipelineConfig): RunnerJob {
  const records = "${{ runner.temp }}/build-records";
  return {
    name: "Collect the built versions",
    needs: [PACKAGE_JOB_ID],
    runsOn: config.workflows.runsOn,
    // Reading this run's artifacts needs no token scope.
    permissions: {},
    timeoutMinutes: 10,
    outputs: { versions: "${{ steps.versions.outputs.versions }}" },
    steps: [
      Steps.downloadArtifacts(buildRecordArtifact("*"), records),
      Steps.run("Collect the image tag of each application", workflowScript("collect-versions.sh"), {
        id: "versions",
        env: {
          RECORDS: records,
          APPLICATIONS: JSON.stringify(config.applications.map((application) => application.name)),
          VERSION_PATTERN: VERSION_PATTERN.source,
        },
      }),
    ],
  };
}

function joinPath(directory: string, file: string): string {
  return directory === "." || directory === "" ? file : `${directory.replace(/\/+$/, "")}/${file}`;
}
