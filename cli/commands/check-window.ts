/** `check-window`: refuses a deployment outside the deployment window unless EMERGENCY=true. */
import { judgeDeploymentWindow } from "../deployment-window";
import { CommandError, noteIssue, type Context } from "../command-context";

export async function checkWindow(context: Context): Promise<void> {
  const window = context.config.environments[context.environment].deploymentWindow;
  if (!window) return;
  const verdict = judgeDeploymentWindow(window, new Date());
  if (verdict.inside) {
    console.log(`${verdict.local} is inside the deployment window (${verdict.window})`);
    return;
  }
  if (context.env.EMERGENCY === "true") {
    noteIssue(context, `emergency deployment at ${verdict.local}, outside the deployment window (${verdict.window})`);
    return;
  }
  throw new CommandError(
    `${verdict.local} is outside ${context.environment}'s deployment window (${verdict.window}). Re-run this job inside the window, or dispatch the workflow with emergency: true for a critical fix.`,
  );
}
