/** `record`: the deployment record: JSON log, deployment status, Pushgateway, summary. */
import * as fs from "fs";
import * as path from "path";
import { environmentUrl } from "../../config/workflows-schema";
import { buildRecord, pushgatewayBody, recordStatus, summaryMarkdown } from "../deployment-record";
import { GitHubApi } from "../github-api";
import { DEPLOYMENT_RECORD_FILE, loadRunState } from "../run-state";
import {
  appendSummary,
  commitTimeSeconds,
  describeVersions,
  emptyRunState,
  oneLine,
  runUrl,
  type Context,
  versionsOf,
} from "../command-context";

export async function record(context: Context): Promise<void> {
  const { config, environment, env } = context;
  const state = loadRunState(env) ?? emptyRunState(context);
  const status =
    state.skipped !== undefined
      ? "skipped"
      : recordStatus(state.kind, env.JOB_STATUS ?? "failure", env.ROLLBACK_OUTCOME ?? "");
  const failedSteps = (env.STEP_OUTCOMES ?? "")
    .split(/\s+/)
    .filter((entry) => /^[a-z0-9-]+=failure$/.test(entry))
    .map((entry) => `step ${entry.split("=")[0]} failed`);
  const deploymentRecord = buildRecord(state, status, new Date().toISOString(), runUrl(env), [
    ...state.issues,
    ...failedSteps,
  ]);

  fs.writeFileSync(
    path.join(env.RUNNER_TEMP ?? process.cwd(), DEPLOYMENT_RECORD_FILE),
    `${JSON.stringify(deploymentRecord, null, 2)}\n`,
  );
  appendSummary(env, summaryMarkdown(deploymentRecord));

  if (env.DEPLOYMENTS_TOKEN && env.GITHUB_REPOSITORY && env.GITHUB_API_URL) {
    const github = new GitHubApi({
      apiUrl: env.GITHUB_API_URL,
      repository: env.GITHUB_REPOSITORY,
      token: env.DEPLOYMENTS_TOKEN,
    });
    const description = `${state.kind === "deployment" ? "deployed" : "rolled back to"} ${describeVersions(versionsOf(state))}: ${status}`;
    await github
      .addDeploymentStatus(environment, state.commit, {
        state: status === "success" || status === "skipped" ? "success" : status === "cancelled" ? "error" : "failure",
        description,
        logUrl: runUrl(env),
        environmentUrl: environmentUrl(config.environments[environment]),
      })
      .catch((error: Error) =>
        console.log(`::warning::could not add the deployment status: ${oneLine(error.message)}`),
      );
  }

  const pushgateway = config.monitoring.pushgatewayUrl;
  if (pushgateway) {
    const now = Math.floor(Date.now() / 1000);
    const commitTime = commitTimeSeconds(state.commit, env);
    for (const application of Object.keys(state.applications)) {
      const body = pushgatewayBody(deploymentRecord, now, commitTime);
      if (body === "") continue;
      const url = `${pushgateway.replace(/\/+$/, "")}/metrics/job/wtfb_deployments/environment/${environment}/application/${application}`;
      await fetch(url, {
        method: "POST",
        body,
        headers: { "Content-Type": "text/plain; version=0.0.4" },
        signal: AbortSignal.timeout(20_000),
      })
        .then((response) => {
          if (!response.ok) throw new Error(`answered ${response.status}`);
        })
        .catch((error: Error) =>
          console.log(`::warning::could not push the deployment metrics to the Pushgateway: ${oneLine(error.message)}`),
        );
    }
  }
  console.log(`${deploymentRecord.kind} to ${environment}: ${status}`);
}
