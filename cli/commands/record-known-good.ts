/** `record-known-good`: remembers the verified versions for the rollback workflow. */
import { knownGoodVariable } from "../../constructs/contract";
import { REJECTED_VERSIONS_VARIABLE, parseRejectedVersions, previousKnownGoodVariable } from "../run-state";
import { githubApi, requireRunState, type Context } from "../command-context";

export async function recordKnownGood(context: Context): Promise<void> {
  const state = requireRunState(context.env);
  const github = githubApi(context.env);
  // A verified version is good again, whatever an earlier rollback thought of it.
  const rejected = parseRejectedVersions(
    await github.environmentVariable(context.environment, REJECTED_VERSIONS_VARIABLE),
  );
  const cleared = Object.fromEntries(
    Object.entries(rejected).map(([application, versions]) => [
      application,
      versions.filter((version) => state.applications[application]?.version !== version),
    ]),
  );
  if (JSON.stringify(cleared) !== JSON.stringify(rejected))
    await github.setEnvironmentVariable(context.environment, REJECTED_VERSIONS_VARIABLE, JSON.stringify(cleared));
  for (const [application, run] of Object.entries(state.applications)) {
    if (run.knownGood === run.version) continue;
    if (state.kind === "deployment" && run.knownGood)
      await github.setEnvironmentVariable(context.environment, previousKnownGoodVariable(application), run.knownGood);
    await github.setEnvironmentVariable(context.environment, knownGoodVariable(application), run.version);
    console.log(`${application} ${run.version} is now the known-good version in ${context.environment}`);
  }
}
