/** `raise-canary`: raises the canary's weight step by step while its health holds. */
import { CommandError, applyStep, requireRunState, type Context, versionsOf, watchOrFail } from "../command-context";

export async function raiseCanary(context: Context): Promise<void> {
  const state = requireRunState(context.env);
  const { runtime, deploy } = context.config.environments[context.environment];
  if (runtime.strategy.type !== "canary") throw new CommandError(`${context.environment} does not deploy by canary`);
  const [first, ...rest] = runtime.strategy.steps;
  console.log(`canary at ${first}%`);
  await watchOrFail(context, state, deploy.canaryStepMinutes, versionsOf(state));
  for (const weight of rest) {
    console.log(`raising the canary to ${weight}%`);
    await applyStep(context, state, { kind: "weight", canaryWeight: weight });
    await watchOrFail(context, state, deploy.canaryStepMinutes, versionsOf(state));
  }
}
