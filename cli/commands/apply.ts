/** `apply deploy|switch|promote|rollback`: `cdktf deploy <env>` with the release variables of that step. */
import type { ReleaseStep } from "../../constructs/workflows/runtime/release-plan";
import {
  CommandError,
  applyStep,
  describeVersions,
  noteIssue,
  previousVersionsOf,
  requireRunState,
  type Context,
  versionsOf,
} from "../command-context";

export async function apply(context: Context, phase: string | undefined): Promise<void> {
  const state = requireRunState(context.env);
  const strategy = context.config.environments[context.environment].runtime.strategy;
  const versions = versionsOf(state);
  let step: ReleaseStep;
  switch (phase) {
    case "deploy":
      step = { kind: "deploy", versions, canaryWeight: strategy.type === "canary" ? strategy.steps[0] : 0 };
      break;
    case "switch":
      step = { kind: "switch", versions };
      break;
    case "promote":
      step = { kind: "promote", versions };
      break;
    case "rollback": {
      const targets = state.kind === "deployment" ? previousVersionsOf(state) : versions;
      if (Object.keys(targets).length === 0)
        throw new CommandError(
          `nothing to roll back to: no known-good version is recorded in ${context.environment} yet`,
        );
      step = { kind: "rollback", versions: targets };
      break;
    }
    default:
      throw new CommandError("apply needs deploy, switch, promote or rollback");
  }
  await applyStep(context, state, step);
  if (phase === "rollback" && state.kind === "deployment")
    noteIssue(context, `rolled back to ${describeVersions(step.kind === "rollback" ? step.versions : {})}`, state);
}
