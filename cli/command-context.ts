/** What the commands share: the context they run in, the GitHub API, the run state, output, and the two steps several commands take (apply, watch). */
import { spawnSync } from "child_process";
import * as fs from "fs";
import type { EnvironmentName } from "../config/environments";
import type { PipelineConfig } from "../config/types";
import {
  VERSION_DESCRIPTION,
  VERSION_PATTERN,
  planReleaseApplies,
  releaseVariablesOf,
  type ReleaseStep,
  type Versions,
} from "../constructs/workflows/runtime/release-plan";
import { GitHubApi } from "./github-api";
import { healthChecks, prometheusQuery, watchHealth } from "./health";
import { RELEASE_STATE_VARIABLE, loadRunState, saveRunState, type RunKind, type RunState } from "./run-state";

export class CommandError extends Error {}

export interface Context {
  readonly config: PipelineConfig;
  readonly environment: EnvironmentName;
  readonly env: NodeJS.ProcessEnv;
}

export const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/**
 * Applies a step: each state `planReleaseApplies` gives, in order (a canary rollback takes the traffic off the
 * canary before it changes the versions). After each successful apply the state is recorded, in the run state and
 * in the environment, so a failure in a later apply leaves the record at what is applied and the next run starts
 * from there.
 */
export async function applyStep(context: Context, state: RunState, step: ReleaseStep): Promise<void> {
  const { config, environment, env } = context;
  const variables = releaseVariablesOf(applicationNames(config), config.environments[environment].runtime.strategy);
  const applies = planReleaseApplies(variables, state.releaseState, step);
  for (const [index, next] of applies.entries()) {
    const which = applies.length > 1 ? ` (apply ${index + 1} of ${applies.length})` : "";
    console.log(
      `cdktf deploy ${environment}${which} with ${Object.entries(next)
        .map(([name, value]) => `${name}=${value}`)
        .join(" ")}`,
    );
    const releaseEnv = Object.fromEntries(Object.entries(next).map(([name, value]) => [`TF_VAR_${name}`, value]));
    const result = spawnSync("npx", ["--no-install", "cdktf", "deploy", environment, "--auto-approve"], {
      env: { ...env, ...releaseEnv, CI: "true" },
      stdio: "inherit",
    });
    if (result.status !== 0) {
      noteIssue(context, `cdktf deploy ${environment} (${step.kind}${which}) failed`, state);
      saveRunState(state, env);
      throw new CommandError(`cdktf deploy ${environment} failed during the ${step.kind} step${which}`);
    }
    state.releaseState = next;
    saveRunState(state, env);
    // The next apply, deploy and rollback start from what is applied now.
    await githubApi(env).setEnvironmentVariable(environment, RELEASE_STATE_VARIABLE, JSON.stringify(next));
  }
}

export async function watchOrFail(
  context: Context,
  state: RunState,
  minutes: number,
  canaryVersions: Versions | undefined,
): Promise<void> {
  const { config, environment } = context;
  const result = await watchHealth({
    checks: healthChecks(config, environment),
    minutes,
    canaryVersions,
    versionLabel: config.monitoring.metrics.versionLabel,
    query: prometheusQuery(config.environments[environment].monitoring.prometheusUrl),
    sleep,
    log: (line) => console.log(line),
  });
  for (const warning of result.warnings) noteIssue(context, warning, state);
  for (const failure of result.failures) noteIssue(context, failure, state);
  saveRunState(state, context.env);
  if (!result.healthy) throw new CommandError(`verification failed: ${result.failures.join("; ")}`);
}

export function githubApi(env: NodeJS.ProcessEnv): GitHubApi {
  return new GitHubApi({
    apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    repository: env.GITHUB_REPOSITORY ?? "",
    token: env.GH_TOKEN ?? "",
  });
}

export function requireRunState(env: NodeJS.ProcessEnv): RunState {
  const state = loadRunState(env);
  if (!state) throw new CommandError("no run state: the begin step did not run");
  return state;
}

export function emptyRunState(context: Context): RunState {
  const kind: RunKind = context.env.WTFB_RUN_KIND === "rollback" ? "rollback" : "deployment";
  return {
    kind,
    environment: context.environment,
    startedAt: new Date().toISOString(),
    trigger: context.env.GITHUB_EVENT_NAME ?? "manual",
    deployer: context.env.GITHUB_TRIGGERING_ACTOR || context.env.GITHUB_ACTOR || "unknown",
    commit: context.env.GITHUB_SHA ?? "",
    ref: context.env.GITHUB_REF ?? "",
    applications: {},
    initialReleaseState: {},
    releaseState: {},
    issues: ["the run ended before it resolved what to deploy"],
    annotations: {},
  };
}

export function applicationNames(config: PipelineConfig): string[] {
  return config.applications.map((application) => application.name);
}

export function versionsOf(state: RunState): Versions {
  return Object.fromEntries(Object.entries(state.applications).map(([name, run]) => [name, run.version]));
}

export function previousVersionsOf(state: RunState): Versions {
  return Object.fromEntries(
    Object.entries(state.applications).flatMap(([name, run]) => (run.previous ? [[name, run.previous]] : [])),
  );
}

export function describeVersions(versions: Versions): string {
  return Object.entries(versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
}

export function checkVersion(version: string, what: string): void {
  if (version === "")
    throw new CommandError(`${what} is unknown: pass a version, or let the workflow build this commit`);
  if (!VERSION_PATTERN.test(version)) throw new CommandError(`${what} is not ${VERSION_DESCRIPTION}`);
}

export function noteIssue(
  context: Context,
  issue: string,
  state: RunState | undefined = loadRunState(context.env),
): void {
  console.log(`::warning::${oneLine(issue)}`);
  if (state) {
    state.issues.push(oneLine(issue));
    saveRunState(state, context.env);
  }
}

export function oneLine(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .trim()
    .slice(0, 300);
}

export function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

export function writeOutput(env: NodeJS.ProcessEnv, name: string, value: string): void {
  if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, `${name}=${value}\n`);
}

export function appendSummary(env: NodeJS.ProcessEnv, markdown: string): void {
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  else console.log(markdown);
}

export function runUrl(env: NodeJS.ProcessEnv): string {
  return `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID ?? ""}`;
}

export function commitTimeSeconds(commit: string, env: NodeJS.ProcessEnv): number | undefined {
  if (!/^[0-9a-f]{7,40}$/.test(commit)) return undefined;
  const result = spawnSync("git", ["show", "-s", "--format=%ct", commit], {
    cwd: env.GITHUB_WORKSPACE ?? process.cwd(),
    encoding: "utf8",
  });
  const seconds = Number(result.stdout.trim());
  return result.status === 0 && Number.isFinite(seconds) ? seconds : undefined;
}
