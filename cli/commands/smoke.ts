/** `smoke`: the environment's smoke tests. */
import { environmentUrl } from "../../config/workflows-schema";
import { loadRunState, saveRunState } from "../run-state";
import { runSmokeTests } from "../smoke-tests";
import { CommandError, noteIssue, sleep, type Context } from "../command-context";

export async function smoke(context: Context): Promise<void> {
  const profile = context.config.environments[context.environment];
  const failures = await runSmokeTests(profile.deploy.smokeTests, {
    baseUrl: environmentUrl(profile),
    workingDirectory: context.env.GITHUB_WORKSPACE ?? process.cwd(),
    sleep,
    log: (line) => console.log(line),
  });
  if (failures.length > 0) {
    // Without a run state (smoke run on its own) the failures are still what is reported.
    const state = loadRunState(context.env);
    for (const failure of failures) noteIssue(context, failure, state);
    if (state) saveRunState(state, context.env);
    throw new CommandError(`${failures.length} smoke test(s) failed: ${failures.join("; ")}`);
  }
}
