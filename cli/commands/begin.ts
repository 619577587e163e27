/** `begin deployment|rollback`: resolves what moves, from the inputs, the CI build and the release state; a rollback whose alert saw a version that no longer serves is skipped. */
import { knownGoodVariable } from "../../constructs/contract";
import { isServing, releaseVariablesOf, servingVersion } from "../../constructs/workflows/runtime/release-plan";
import {
  REJECTED_VERSIONS_KEPT,
  REJECTED_VERSIONS_VARIABLE,
  RELEASE_STATE_VARIABLE,
  parseRejectedVersions,
  parseStringRecord,
  previousKnownGoodVariable,
  saveRunState,
  type ApplicationRun,
  type RunState,
} from "../run-state";
import {
  CommandError,
  appendSummary,
  applicationNames,
  checkVersion,
  githubApi,
  oneLine,
  type Context,
  writeOutput,
} from "../command-context";

export async function begin(context: Context, kind: string | undefined): Promise<void> {
  if (kind !== "deployment" && kind !== "rollback") throw new CommandError("begin needs deployment or rollback");
  const { config, environment, env } = context;
  const backend = config.environments[environment].backend;
  if (backend.type === "local" && (env.GITHUB_ACTIONS === "true" || env.CI === "true")) {
    // A runner starts from nothing: an apply from empty state would try to create every resource again.
    throw new CommandError(
      `environments.${environment}.backend is local, so this runner has no Terraform state of ${environment} and would apply from nothing. Set environments.${environment}.backend to a remote backend (s3, gcs, azurerm, pg or remote) and its credentials as secrets (docs/workflows.md), or deploy ${environment} from a machine that keeps its state.`,
    );
  }
  const github = githubApi(env);
  const releaseState = parseStringRecord(
    await github.environmentVariable(environment, RELEASE_STATE_VARIABLE),
    `the variable ${RELEASE_STATE_VARIABLE} of ${environment}`,
  );
  const variables = releaseVariablesOf(applicationNames(config), config.environments[environment].runtime.strategy);
  const applications: Record<string, ApplicationRun> = {};
  let skipped: string | undefined;
  let reason: string | undefined;
  let alertname: string | undefined;

  if (kind === "deployment") {
    const requested = parseStringRecord(env.REQUESTED_VERSIONS, "the versions input");
    const built = parseStringRecord(env.BUILT_VERSIONS, "the versions CI built");
    for (const application of applicationNames(config)) {
      const version = requested[application] || env.REQUESTED_VERSION || built[application] || "";
      checkVersion(version, `the version of ${application}`);
      const knownGood = await github.environmentVariable(environment, knownGoodVariable(application));
      // The rollback target: the last verified version, else whatever served before.
      const previous = knownGood || servingVersion(variables[application], releaseState);
      applications[application] = { version, ...(previous ? { previous } : {}), ...(knownGood ? { knownGood } : {}) };
    }
  } else {
    const selected =
      env.ROLLBACK_APPLICATION && env.ROLLBACK_APPLICATION !== "all"
        ? [env.ROLLBACK_APPLICATION]
        : applicationNames(config);
    const seen = env.ROLLBACK_SEEN_VERSION ?? "";
    if (seen !== "") checkVersion(seen, "the version the alert saw");
    const rejected = parseRejectedVersions(await github.environmentVariable(environment, REJECTED_VERSIONS_VARIABLE));
    reason = oneLine(env.ROLLBACK_REASON ?? "") || "manual rollback";
    alertname = oneLine(env.ROLLBACK_ALERT ?? "") || undefined;
    for (const application of selected) {
      if (!variables[application])
        throw new CommandError(
          `no application named ${application}; the config has ${applicationNames(config).join(", ")}`,
        );
      const serving = servingVersion(variables[application], releaseState);
      if (seen !== "" && selected.length === 1 && !isServing(seen, serving)) {
        // The alert is about a version that is gone: a deploy's own rollback or an earlier alert already moved it.
        skipped = `the alert saw ${application} ${seen}, but ${serving ?? "nothing"} serves now: it was already rolled back or replaced`;
        break;
      }
      const knownGood = await github.environmentVariable(environment, knownGoodVariable(application));
      const previousKnownGood = await github.environmentVariable(environment, previousKnownGoodVariable(application));
      const refused = new Set([...(rejected[application] ?? []), ...(serving !== undefined ? [serving] : [])]);
      // The newest known-good version that is neither serving nor left by an earlier rollback; an explicit version is the operator's choice.
      const version =
        env.ROLLBACK_VERSION ||
        [knownGood, previousKnownGood].find(
          (candidate): candidate is string => !!candidate && !refused.has(candidate),
        ) ||
        "";
      if (version === "") {
        const left = rejected[application]?.length
          ? ` (earlier rollbacks left ${rejected[application].join(", ")})`
          : "";
        throw new CommandError(
          `no known-good version of ${application} other than the one serving is recorded in ${environment}${left}; dispatch the rollback with a version`,
        );
      }
      checkVersion(version, `the rollback version of ${application}`);
      applications[application] = {
        version,
        ...(serving ? { previous: serving } : {}),
        ...(knownGood ? { knownGood } : {}),
      };
      if (serving !== undefined && serving !== version)
        rejected[application] = [...(rejected[application] ?? []).filter((entry) => entry !== serving), serving].slice(
          -REJECTED_VERSIONS_KEPT,
        );
    }
    if (skipped === undefined)
      await github.setEnvironmentVariable(environment, REJECTED_VERSIONS_VARIABLE, JSON.stringify(rejected));
  }

  const state: RunState = {
    kind,
    environment,
    startedAt: new Date().toISOString(),
    trigger: env.GITHUB_EVENT_NAME ?? "manual",
    deployer: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || "unknown",
    commit: env.GITHUB_SHA ?? "",
    ref: env.GITHUB_REF ?? "",
    applications,
    initialReleaseState: releaseState,
    releaseState: { ...releaseState },
    issues: [],
    annotations: {},
    ...(reason !== undefined ? { reason } : {}),
    ...(alertname !== undefined ? { alertname } : {}),
    ...(skipped !== undefined ? { skipped } : {}),
  };
  saveRunState(state, env);
  if (skipped !== undefined) {
    console.log(`::notice::rollback skipped: ${skipped}`);
    appendSummary(env, `### Rollback of ${environment} skipped\n\n${skipped}\n`);
    return;
  }
  for (const [application, run] of Object.entries(applications)) {
    console.log(
      `${application}: ${kind === "deployment" ? "deploy" : "roll back to"} ${run.version}${run.previous ? ` (serving ${run.previous})` : ""}`,
    );
    writeOutput(env, application, run.version);
  }
}
