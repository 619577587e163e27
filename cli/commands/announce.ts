/** `announce start|end`: the Grafana annotation region, Slack, the job summary. */
import { environmentGrafanaUrl } from "../../constructs/monitoring/alert-checks";
import { Grafana, postToSlack } from "../announcements";
import { annotationTags, annotationText, recordStatus } from "../deployment-record";
import { loadRunState, saveRunState } from "../run-state";
import { CommandError, appendSummary, noteIssue, runUrl, type Context } from "../command-context";

export async function announce(context: Context, phase: string | undefined): Promise<void> {
  if (phase !== "start" && phase !== "end") throw new CommandError("announce needs start or end");
  const { config, environment, env } = context;
  const state = loadRunState(env);
  if (!state) {
    console.log("::notice::the run ended before it resolved what to deploy: nothing to announce");
    return;
  }
  const status =
    phase === "start" ? "started" : recordStatus(state.kind, env.JOB_STATUS ?? "failure", env.ROLLBACK_OUTCOME ?? "");
  const grafanaUrl = environmentGrafanaUrl(config, environment);
  const token = env.GRAFANA_TOKEN ?? "";
  if (token === "") {
    console.log("::notice::GRAFANA_TOKEN is not set: no Grafana annotation");
  } else {
    const grafana = new Grafana(grafanaUrl, token);
    for (const [application, run] of Object.entries(state.applications)) {
      const annotation = {
        timeMs: Date.parse(state.startedAt),
        ...(phase === "end" ? { timeEndMs: Date.now() } : {}),
        tags: annotationTags(state, application, run.version, status),
        text: annotationText(state.kind, environment, application, run.version, status, state.deployer),
      };
      try {
        const id = state.annotations[application];
        if (phase === "end" && id !== undefined) await grafana.updateAnnotation(id, annotation);
        else state.annotations[application] = await grafana.createAnnotation(annotation);
      } catch (error) {
        noteIssue(context, `could not annotate Grafana: ${(error as Error).message}`, state);
      }
    }
  }
  const stakeholders = config.monitoring.stakeholders;
  if (stakeholders?.type === "slack") {
    const webhook = env[stakeholders.webhookUrlSecret] ?? "";
    const versions = Object.entries(state.applications)
      .map(([application, run]) => `${application} ${run.version}`)
      .join(", ");
    const what = state.kind === "deployment" ? "Deployment" : "Rollback";
    const text = `${what} to ${environment} ${phase === "start" ? "started" : status}: ${versions} (by ${state.deployer}) ${runUrl(env)}`;
    if (webhook === "")
      console.log(`::notice::${stakeholders.webhookUrlSecret} is not set: stakeholders were not notified on Slack`);
    else
      await postToSlack(webhook, text).catch((error: Error) =>
        noteIssue(context, `could not notify Slack: ${error.message}`, state),
      );
  }
  if (phase === "start") {
    appendSummary(
      env,
      `### ${state.kind === "deployment" ? "Deployment" : "Rollback"} to ${environment} started at ${state.startedAt} by ${state.deployer}\n`,
    );
  }
  saveRunState(state, env);
}
