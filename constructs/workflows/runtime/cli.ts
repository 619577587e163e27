/**
 * The commands the generated deploy and rollback jobs run, from the wtfb-deploy checkout in the application
 * repository (`node dist/constructs/workflows/runtime/cli.js <command>`). Every environment-specific value comes from
 * the same pipeline config the stacks are synthesized from; secrets arrive as environment variables of the step.
 *
 *   begin deployment|rollback   resolve what moves, from inputs, the CI build and the release state
 *   check-window                refuse a deployment outside the deployment window unless EMERGENCY=true
 *   announce start|end          Grafana annotation region, Slack, job summary
 *   apply deploy|switch|promote|rollback   cdktf deploy <env> with the release variables of that step
 *   raise-canary                raise the canary's weight step by step while its health holds
 *   smoke                       the environment's smoke tests
 *   verify --minutes N          watch the environment's alert rules in Prometheus
 *   record-known-good           remember the verified versions for the rollback workflow
 *   revert-migrations           run the down migration with the image being rolled back from
 *   record                      the deployment record: JSON log, deployment status, Pushgateway, summary
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isEnvironmentName, type EnvironmentName } from "../../../config/environments";
import { ConfigError } from "../../../config/errors";
import { loadConfig } from "../../../config/load";
import type { ApplicationConfig, PipelineConfig } from "../../../config/types";
import { environmentUrl } from "../../../config/workflows-schema";
import { containerName, knownGoodVariable, networkName } from "../../contract";
import { environmentGrafanaUrl } from "../../monitoring/alert-checks";
import { registryHost } from "../steps";
import { Grafana, postToSlack } from "./announcements";
import { annotationTags, annotationText, buildRecord, pushgatewayBody, recordStatus, summaryMarkdown } from "./deployment-record";
import { judgeDeploymentWindow } from "./deployment-window";
import { GitHubApi } from "./github-api";
import { healthChecks, prometheusQuery, watchHealth } from "./health";
import { planRelease, releaseVariablesOf, servingVersion, VERSION_PATTERN, type ReleaseStep, type Versions } from "./release-plan";
import {
  DEPLOYMENT_RECORD_FILE,
  loadRunState,
  parseRejectedVersions,
  parseStringRecord,
  previousKnownGoodVariable,
  REJECTED_VERSIONS_KEPT,
  REJECTED_VERSIONS_VARIABLE,
  RELEASE_STATE_VARIABLE,
  saveRunState,
  type ApplicationRun,
  type RunKind,
  type RunState,
} from "./run-state";
import { runSmokeTests } from "./smoke-tests";

class CommandError extends Error {}

interface Context {
  readonly config: PipelineConfig;
  readonly environment: EnvironmentName;
  readonly env: NodeJS.ProcessEnv;
}

const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const [command, ...args] = argv;
  const environment = env.WTFB_ENVIRONMENT ?? "";
  if (!isEnvironmentName(environment)) throw new CommandError("WTFB_ENVIRONMENT must be development, staging or production");
  const context: Context = { config: loadConfig({ env, loadDotEnv: false }).config, environment, env };
  const skipped = command === "begin" || command === "record" ? undefined : loadRunState(env)?.skipped;
  if (skipped !== undefined) {
    console.log(`nothing to do: ${skipped}`);
    return;
  }
  switch (command) {
    case "begin":
      return begin(context, args[0]);
    case "check-window":
      return checkWindow(context);
    case "announce":
      return announce(context, args[0]);
    case "apply":
      return apply(context, args[0]);
    case "raise-canary":
      return raiseCanary(context);
    case "smoke":
      return smoke(context);
    case "verify":
      return verify(context, Number(option(args, "--minutes")));
    case "record-known-good":
      return recordKnownGood(context);
    case "revert-migrations":
      return revertMigrations(context);
    case "record":
      return record(context);
    default:
      throw new CommandError(`unknown command ${JSON.stringify(command ?? "")}; see the header of cli.ts`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function begin(context: Context, kind: string | undefined): Promise<void> {
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
  const releaseState = parseStringRecord(await github.environmentVariable(environment, RELEASE_STATE_VARIABLE), `the variable ${RELEASE_STATE_VARIABLE} of ${environment}`);
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
    const selected = env.ROLLBACK_APPLICATION && env.ROLLBACK_APPLICATION !== "all" ? [env.ROLLBACK_APPLICATION] : applicationNames(config);
    const seen = env.ROLLBACK_SEEN_VERSION ?? "";
    if (seen !== "") checkVersion(seen, "the version the alert saw");
    const rejected = parseRejectedVersions(await github.environmentVariable(environment, REJECTED_VERSIONS_VARIABLE));
    reason = oneLine(env.ROLLBACK_REASON ?? "") || "manual rollback";
    alertname = oneLine(env.ROLLBACK_ALERT ?? "") || undefined;
    for (const application of selected) {
      if (!variables[application]) throw new CommandError(`no application named ${application}; the config has ${applicationNames(config).join(", ")}`);
      const serving = servingVersion(variables[application], releaseState);
      if (seen !== "" && selected.length === 1 && serving !== seen) {
        // The alert is about a version that is gone: a deploy's own rollback or an earlier alert already moved it.
        skipped = `the alert saw ${application} ${seen}, but ${serving ?? "nothing"} serves now: it was already rolled back or replaced`;
        break;
      }
      const knownGood = await github.environmentVariable(environment, knownGoodVariable(application));
      const previousKnownGood = await github.environmentVariable(environment, previousKnownGoodVariable(application));
      const refused = new Set([...(rejected[application] ?? []), ...(serving !== undefined ? [serving] : [])]);
      // The newest known-good version that is neither serving nor left by an earlier rollback; an explicit version is the operator's choice.
      const version = env.ROLLBACK_VERSION || [knownGood, previousKnownGood].find((candidate): candidate is string => !!candidate && !refused.has(candidate)) || "";
      if (version === "") {
        const left = rejected[application]?.length ? ` (earlier rollbacks left ${rejected[application].join(", ")})` : "";
        throw new CommandError(`no known-good version of ${application} other than the one serving is recorded in ${environment}${left}; dispatch the rollback with a version`);
      }
      checkVersion(version, `the rollback version of ${application}`);
      applications[application] = { version, ...(serving ? { previous: serving } : {}), ...(knownGood ? { knownGood } : {}) };
      if (serving !== undefined && serving !== version) rejected[application] = [...(rejected[application] ?? []).filter((entry) => entry !== serving), serving].slice(-REJECTED_VERSIONS_KEPT);
    }
    if (skipped === undefined) await github.setEnvironmentVariable(environment, REJECTED_VERSIONS_VARIABLE, JSON.stringify(rejected));
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
    console.log(`${application}: ${kind === "deployment" ? "deploy" : "roll back to"} ${run.version}${run.previous ? ` (serving ${run.previous})` : ""}`);
    writeOutput(env, application, run.version);
  }
}

async function checkWindow(context: Context): Promise<void> {
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

async function announce(context: Context, phase: string | undefined): Promise<void> {
  if (phase !== "start" && phase !== "end") throw new CommandError("announce needs start or end");
  const { config, environment, env } = context;
  const state = loadRunState(env);
  if (!state) {
    console.log("::notice::the run ended before it resolved what to deploy: nothing to announce");
    return;
  }
  const status = phase === "start" ? "started" : recordStatus(state.kind, env.JOB_STATUS ?? "failure", env.ROLLBACK_OUTCOME ?? "");
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
    const versions = Object.entries(state.applications).map(([application, run]) => `${application} ${run.version}`).join(", ");
    const what = state.kind === "deployment" ? "Deployment" : "Rollback";
    const text = `${what} to ${environment} ${phase === "start" ? "started" : status}: ${versions} (by ${state.deployer}) ${runUrl(env)}`;
    if (webhook === "") console.log(`::notice::${stakeholders.webhookUrlSecret} is not set: stakeholders were not notified on Slack`);
    else await postToSlack(webhook, text).catch((error: Error) => noteIssue(context, `could not notify Slack: ${error.message}`, state));
  }
  if (phase === "start") {
    appendSummary(env, `### ${state.kind === "deployment" ? "Deployment" : "Rollback"} to ${environment} started at ${state.startedAt} by ${state.deployer}\n`);
  }
  saveRunState(state, env);
}

async function apply(context: Context, phase: string | undefined): Promise<void> {
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
      if (Object.keys(targets).length === 0) throw new CommandError(`nothing to roll back to: no known-good version is recorded in ${context.environment} yet`);
      step = { kind: "rollback", versions: targets };
      break;
    }
    default:
      throw new CommandError("apply needs deploy, switch, promote or rollback");
  }
  await applyStep(context, state, step);
  if (phase === "rollback" && state.kind === "deployment") noteIssue(context, `rolled back to ${describeVersions(step.kind === "rollback" ? step.versions : {})}`, state);
}

async function raiseCanary(context: Context): Promise<void> {
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

async function smoke(context: Context): Promise<void> {
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

async function verify(context: Context, minutes: number): Promise<void> {
  if (!Number.isInteger(minutes) || minutes < 0) throw new CommandError("verify needs --minutes <whole number>");
  await watchOrFail(context, requireRunState(context.env), minutes, undefined);
}

async function recordKnownGood(context: Context): Promise<void> {
  const state = requireRunState(context.env);
  const github = githubApi(context.env);
  // A verified version is good again, whatever an earlier rollback thought of it.
  const rejected = parseRejectedVersions(await github.environmentVariable(context.environment, REJECTED_VERSIONS_VARIABLE));
  const cleared = Object.fromEntries(Object.entries(rejected).map(([application, versions]) => [application, versions.filter((version) => state.applications[application]?.version !== version)]));
  if (JSON.stringify(cleared) !== JSON.stringify(rejected)) await github.setEnvironmentVariable(context.environment, REJECTED_VERSIONS_VARIABLE, JSON.stringify(cleared));
  for (const [application, run] of Object.entries(state.applications)) {
    if (run.knownGood === run.version) continue;
    if (state.kind === "deployment" && run.knownGood) await github.setEnvironmentVariable(context.environment, previousKnownGoodVariable(application), run.knownGood);
    await github.setEnvironmentVariable(context.environment, knownGoodVariable(application), run.version);
    console.log(`${application} ${run.version} is now the known-good version in ${context.environment}`);
  }
}

async function revertMigrations(context: Context): Promise<void> {
  const { config, environment, env } = context;
  const state = requireRunState(env);
  const profile = config.environments[environment];
  for (const [name, run] of Object.entries(state.applications)) {
    const application = config.applications.find((candidate) => candidate.name === name) as ApplicationConfig;
    const command = application.database?.rollbackCommand;
    if (!command) continue;
    if (!run.previous || run.previous === run.version) {
      console.log(`${name}: ${run.version} is already serving; no migration to revert`);
      continue;
    }
    // The down migration lives in the image being left, so it runs before the known-good version returns.
    const image = `${application.image}:${run.previous}`;
    const dockerEnv = { ...env, DOCKER_HOST: profile.runtime.dockerHost };
    if (env.REGISTRY_USERNAME && env.REGISTRY_PASSWORD) {
      const login = spawnSync("docker", ["login", ...[registryHost(application.image)].filter((host): host is string => host !== undefined), "--username", env.REGISTRY_USERNAME, "--password-stdin"], { env: dockerEnv, input: env.REGISTRY_PASSWORD, stdio: ["pipe", "inherit", "inherit"] });
      if (login.status !== 0) throw new CommandError(`docker login for ${application.image} failed`);
    }
    const environmentArgs = [
      ...Object.entries(profile.settings).flatMap(([key, value]) => ["--env", `${key}=${value}`]),
      // Secrets by name only: docker reads their values from this process's environment, never the command line.
      ...profile.secrets.flatMap((secret) => ["--env", secret.name]),
    ];
    const args = ["run", "--rm", "--name", containerName(name, environment, "migrate", "down"), "--network", networkName(environment), ...environmentArgs, image, ...command];
    console.log(`${name}: reverting the last migration with ${image} (${command.join(" ")})`);
    const result = spawnSync("docker", args, { env: dockerEnv, stdio: "inherit", timeout: (application.database?.migrationTimeoutSeconds ?? 600) * 1000 });
    if (result.status !== 0) {
      noteIssue(context, `the down migration of ${name} (${image}) failed`, state);
      saveRunState(state, env);
      throw new CommandError(`the down migration of ${name} failed; the database is as the migration left it`);
    }
  }
}

async function record(context: Context): Promise<void> {
  const { config, environment, env } = context;
  const state = loadRunState(env) ?? emptyRunState(context);
  const status = state.skipped !== undefined ? "skipped" : recordStatus(state.kind, env.JOB_STATUS ?? "failure", env.ROLLBACK_OUTCOME ?? "");
  const failedSteps = (env.STEP_OUTCOMES ?? "")
    .split(/\s+/)
    .filter((entry) => /^[a-z0-9-]+=failure$/.test(entry))
    .map((entry) => `step ${entry.split("=")[0]} failed`);
  const deploymentRecord = buildRecord(state, status, new Date().toISOString(), runUrl(env), [...state.issues, ...failedSteps]);

  fs.writeFileSync(path.join(env.RUNNER_TEMP ?? process.cwd(), DEPLOYMENT_RECORD_FILE), `${JSON.stringify(deploymentRecord, null, 2)}\n`);
  appendSummary(env, summaryMarkdown(deploymentRecord));

  if (env.DEPLOYMENTS_TOKEN && env.GITHUB_REPOSITORY && env.GITHUB_API_URL) {
    const github = new GitHubApi({ apiUrl: env.GITHUB_API_URL, repository: env.GITHUB_REPOSITORY, token: env.DEPLOYMENTS_TOKEN });
    const description = `${state.kind === "deployment" ? "deployed" : "rolled back to"} ${describeVersions(versionsOf(state))}: ${status}`;
    await github
      .addDeploymentStatus(environment, state.commit, { state: status === "success" || status === "skipped" ? "success" : status === "cancelled" ? "error" : "failure", description, logUrl: runUrl(env), environmentUrl: environmentUrl(config.environments[environment]) })
      .catch((error: Error) => console.log(`::warning::could not add the deployment status: ${oneLine(error.message)}`));
  }

  const pushgateway = config.monitoring.pushgatewayUrl;
  if (pushgateway) {
    const now = Math.floor(Date.now() / 1000);
    const commitTime = commitTimeSeconds(state.commit, env);
    for (const application of Object.keys(state.applications)) {
      const body = pushgatewayBody(deploymentRecord, now, commitTime);
      if (body === "") continue;
      const url = `${pushgateway.replace(/\/+$/, "")}/metrics/job/wtfb_deployments/environment/${environment}/application/${application}`;
      await fetch(url, { method: "POST", body, headers: { "Content-Type": "text/plain; version=0.0.4" }, signal: AbortSignal.timeout(20_000) })
        .then((response) => {
          if (!response.ok) throw new Error(`answered ${response.status}`);
        })
        .catch((error: Error) => console.log(`::warning::could not push the deployment metrics to the Pushgateway: ${oneLine(error.message)}`));
    }
  }
  console.log(`${deploymentRecord.kind} to ${environment}: ${status}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function applyStep(context: Context, state: RunState, step: ReleaseStep): Promise<void> {
  const { config, environment, env } = context;
  const variables = releaseVariablesOf(applicationNames(config), config.environments[environment].runtime.strategy);
  const next = planRelease(variables, state.releaseState, step);
  console.log(`cdktf deploy ${environment} with ${Object.entries(next).map(([name, value]) => `${name}=${value}`).join(" ")}`);
  const releaseEnv = Object.fromEntries(Object.entries(next).map(([name, value]) => [`TF_VAR_${name}`, value]));
  const result = spawnSync("npx", ["--no-install", "cdktf", "deploy", environment, "--auto-approve"], { env: { ...env, ...releaseEnv, CI: "true" }, stdio: "inherit" });
  if (result.status !== 0) {
    noteIssue(context, `cdktf deploy ${environment} (${step.kind}) failed`, state);
    saveRunState(state, env);
    throw new CommandError(`cdktf deploy ${environment} failed during the ${step.kind} step`);
  }
  state.releaseState = next;
  saveRunState(state, env);
  // The next deploy and rollback start from what is applied now.
  await githubApi(env).setEnvironmentVariable(environment, RELEASE_STATE_VARIABLE, JSON.stringify(next));
}

async function watchOrFail(context: Context, state: RunState, minutes: number, canaryVersions: Versions | undefined): Promise<void> {
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

function githubApi(env: NodeJS.ProcessEnv): GitHubApi {
  return new GitHubApi({ apiUrl: env.GITHUB_API_URL ?? "https://api.github.com", repository: env.GITHUB_REPOSITORY ?? "", token: env.GH_TOKEN ?? "" });
}

function requireRunState(env: NodeJS.ProcessEnv): RunState {
  const state = loadRunState(env);
  if (!state) throw new CommandError("no run state: the begin step did not run");
  return state;
}

function emptyRunState(context: Context): RunState {
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

function applicationNames(config: PipelineConfig): string[] {
  return config.applications.map((application) => application.name);
}

function versionsOf(state: RunState): Versions {
  return Object.fromEntries(Object.entries(state.applications).map(([name, run]) => [name, run.version]));
}

function previousVersionsOf(state: RunState): Versions {
  return Object.fromEntries(Object.entries(state.applications).flatMap(([name, run]) => (run.previous ? [[name, run.previous]] : [])));
}

function describeVersions(versions: Versions): string {
  return Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(", ");
}

function checkVersion(version: string, what: string): void {
  if (version === "") throw new CommandError(`${what} is unknown: pass a version, or let the workflow build this commit`);
  if (!VERSION_PATTERN.test(version)) throw new CommandError(`${what} is not a valid image tag (letters, digits, . _ -; at most 128)`);
}

function noteIssue(context: Context, issue: string, state: RunState | undefined = loadRunState(context.env)): void {
  console.log(`::warning::${oneLine(issue)}`);
  if (state) {
    state.issues.push(oneLine(issue));
    saveRunState(state, context.env);
  }
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").trim().slice(0, 300);
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

function writeOutput(env: NodeJS.ProcessEnv, name: string, value: string): void {
  if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, `${name}=${value}\n`);
}

function appendSummary(env: NodeJS.ProcessEnv, markdown: string): void {
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  else console.log(markdown);
}

function runUrl(env: NodeJS.ProcessEnv): string {
  return `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID ?? ""}`;
}

function commitTimeSeconds(commit: string, env: NodeJS.ProcessEnv): number | undefined {
  if (!/^[0-9a-f]{7,40}$/.test(commit)) return undefined;
  const result = spawnSync("git", ["show", "-s", "--format=%ct", commit], { cwd: env.GITHUB_WORKSPACE ?? process.cwd(), encoding: "utf8" });
  const seconds = Number(result.stdout.trim());
  return result.status === 0 && Number.isFinite(seconds) ? seconds : undefined;
}


if (require.main === module) {
  main(process.argv.slice(2), process.env).catch((error: Error) => {
    console.log(`::error::${oneLine(error.message)}`);
    if (!(error instanceof CommandError) && !(error instanceof ConfigError)) console.error(error.stack);
    process.exitCode = 1;
  });
}

