/**
 * Config checks of the monitoring (in CONFIG_CHECKS, so `npm run validate` and `npm run synth` report them):
 * every alert's PromQL parses and type-checks, thresholds are in range, probes and extra alerts name an
 * application, alert names are unique, environments do not share a Grafana organization, and every Grafana is 12.0
 * or later.
 * Each problem names the alert and the config path to edit.
 */
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../config/environments";
import type { ConfigIssue } from "../../config/errors";
import type { PipelineConfig } from "../../config/types";
import { GRAFANA_VERSION_PATTERN, type MetricNames } from "../../config/monitoring-schema";
import { alertApplication, BUILT_IN_ALERTS, environmentAlerts, pascalCase, type AlertSettings } from "./alert-model";
import { promqlProblems } from "./promql";

type Check = (config: PipelineConfig) => ConfigIssue[];

/** Grafana base URL of an environment, without a trailing slash: its own, else the pipeline's. */
export function environmentGrafanaUrl(config: PipelineConfig, environment: EnvironmentName): string {
  return (config.environments[environment].monitoring.grafanaUrl ?? config.monitoring.grafanaUrl).replace(/\/+$/, "");
}

/** One environment's alerts, as the checks see them. */
export interface AlertSettingsInput {
  readonly environment: string;
  /** Names of the applications the alerts watch. */
  readonly applications: readonly string[];
  readonly metrics: MetricNames;
  readonly monitoring: AlertSettings;
}

function thresholdIssues(monitoring: AlertSettings, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const error = monitoring.errorRateThresholdPercent;
  if (!(error > 0 && error <= 100)) {
    issues.push({
      path: `${path}.errorRateThresholdPercent`,
      message: `alert ErrorRateHigh: the error-rate threshold ${error}% is outside its range (above 0, at most 100)`,
      fix: "set a percentage, e.g. 1 (SOP §5.1: roll back when the error rate exceeds 1%)",
    });
  }
  const latency = monitoring.latencyP95Seconds;
  if (!(latency > 0 && latency <= 300)) {
    issues.push({
      path: `${path}.latencyP95Seconds`,
      message: `alert LatencyP95High: the p95 latency limit ${latency}s is outside its range (above 0, at most 300 seconds)`,
      fix: "set the limit in seconds, e.g. 0.5",
    });
  }
  const restarts = monitoring.containerRestartLimit;
  if (!(restarts >= 1 && restarts <= 1000)) {
    issues.push({
      path: `${path}.containerRestartLimit`,
      message: `alert ContainerRestarts: the restart limit ${restarts} is outside its range (1 to 1000)`,
      fix: "set how many restarts within containerRestartWindowMinutes are too many, e.g. 3",
    });
  }
  return issues;
}

function applicationIssues(input: AlertSettingsInput, path: string): ConfigIssue[] {
  const { monitoring, applications } = input;
  const issues: ConfigIssue[] = [];
  const check = (alert: string, requested: string | undefined, needed: boolean, at: string) => {
    if (requested !== undefined && !applications.includes(requested)) {
      issues.push({
        path: `${at}.application`,
        message: `alert ${alert}: no application is named ${JSON.stringify(requested)}`,
        fix: `use one of ${applications.join(", ")}`,
      });
    } else if (needed && alertApplication(requested, applications) === undefined) {
      issues.push({
        path: `${at}.application`,
        message: `alert ${alert} rolls an application back, but there are ${applications.length} applications and it names none`,
        fix: `set application to one of ${applications.join(", ")}`,
      });
    }
  };
  monitoring.criticalFlowProbes.forEach((probe, index) =>
    check(`${pascalCase(probe.name)}FlowBroken`, probe.application, true, `${path}.criticalFlowProbes[${index}]`),
  );
  monitoring.extraAlerts.forEach((alert, index) =>
    check(alert.name, alert.application, alert.rollback, `${path}.extraAlerts[${index}]`),
  );
  return issues;
}

/** Every alert's name is unique in its environment, and every expression is valid PromQL giving an instant vector. */
function alertIssues(input: AlertSettingsInput, path: string): ConfigIssue[] {
  // The links are not checked here: any URL does.
  const rules = environmentAlerts({ ...input, grafanaUrl: "", sourcePath: path });
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.name)) {
      issues.push({
        path: rule.source.replace(/\.expr$/, ".name"),
        message: `alert ${rule.name} is defined twice in ${input.environment}`,
        fix: `give the alert another name (${BUILT_IN_ALERTS.join(", ")} are built in; probes are <Flow>FlowBroken)`,
      });
    }
    seen.add(rule.name);
    for (const problem of promqlProblems(rule.query)) {
      issues.push({
        path: rule.source,
        message: `alert ${rule.name}: invalid PromQL: ${problem}`,
        fix: `correct the expression ${JSON.stringify(rule.query)} (try it in Prometheus's query page)`,
      });
    }
  }
  return issues;
}

/**
 * Problems of one environment's alerts, each at its path under `path` (a config path, or a construct's prop): thresholds
 * in range, probes and extra alerts naming an application, unique names, valid PromQL.
 */
export function alertSettingsIssues(input: AlertSettingsInput, path: string): ConfigIssue[] {
  return [...thresholdIssues(input.monitoring, path), ...applicationIssues(input, path), ...alertIssues(input, path)];
}

/** The checks of every environment's alerts. */
export const checkAlerts: Check = (config) =>
  ENVIRONMENT_NAMES.flatMap((environment) =>
    alertSettingsIssues(
      {
        environment,
        applications: config.applications.map((application) => application.name),
        metrics: config.monitoring.metrics,
        monitoring: config.environments[environment].monitoring,
      },
      `environments.${environment}.monitoring`,
    ),
  );

/**
 * A Grafana organization has one notification policy tree, and each environment stack provisions its own; two
 * environments in one organization would overwrite each other's alert routing at every apply.
 */
export const checkGrafanaOrganizations: Check = (config) => {
  const owners = new Map<string, EnvironmentName>();
  const issues: ConfigIssue[] = [];
  for (const environment of ENVIRONMENT_NAMES) {
    const url = environmentGrafanaUrl(config, environment);
    const orgId = config.environments[environment].monitoring.grafanaOrgId;
    const key = `${url}#${orgId ?? "credentials"}`;
    const owner = owners.get(key);
    if (owner) {
      const organization =
        orgId === undefined ? "the organization of the Grafana credentials (no grafanaOrgId)" : `organization ${orgId}`;
      issues.push({
        path: `environments.${environment}.monitoring.grafanaOrgId`,
        message: `${environment} and ${owner} would both provision the notification policy of ${organization} in ${url}; it is one tree per organization, so each stack would overwrite the other's alert routing`,
        fix: `give each environment its own Grafana organization (e.g. "grafanaOrgId": ${ENVIRONMENT_NAMES.indexOf(environment) + 2}; create it under Administration → Organizations) or its own Grafana (environments.${environment}.monitoring.grafanaUrl)`,
      });
    } else {
      owners.set(key, environment);
    }
  }
  return issues;
};

/**
 * The oldest Grafana the monitoring works with: the rollback contact point's webhook `payload` and `headers` are
 * "New in 12.0" (grafana/alerting receivers/webhook/v1/config.go), as are the `coll`/`data` template functions the
 * dispatch body uses (grafana/alerting PR #309, in Grafana 12.0 by grafana/grafana PR #103818). The provider tests
 * them from 12.0 on (grafana/terraform-provider-grafana TestAccContactPoint_notifiers12_0, PR #2331).
 */
export const MINIMUM_GRAFANA_VERSION = { major: 12, minor: 0 } as const;

/** The Grafana version of an environment and the config path it comes from: its own, else the pipeline's. */
export function environmentGrafanaVersion(
  config: PipelineConfig,
  environment: EnvironmentName,
): { version?: string; path: string } {
  const own = config.environments[environment].monitoring.grafanaVersion;
  return own === undefined
    ? { version: config.monitoring.grafanaVersion, path: "monitoring.grafanaVersion" }
    : { version: own, path: `environments.${environment}.monitoring.grafanaVersion` };
}

/**
 * Every environment's Grafana is stated and 12.0 or later. No data source of the Grafana provider reports the
 * server's version, so this is checked against the config, not at plan time.
 */
export const checkGrafanaVersions: Check = (config) => {
  const issues: ConfigIssue[] = [];
  const reported = new Set<string>();
  const minimum = `${MINIMUM_GRAFANA_VERSION.major}.${MINIMUM_GRAFANA_VERSION.minor}`;
  for (const environment of ENVIRONMENT_NAMES) {
    const { version, path } = environmentGrafanaVersion(config, environment);
    if (reported.has(path)) continue;
    reported.add(path);
    if (version === undefined) {
      issues.push({
        path,
        message: `is not set: the rollback contact point needs Grafana ${minimum} or later (its webhook sends a custom payload and headers), so the version must be stated`,
        fix: `set it to the version of ${environmentGrafanaUrl(config, environment)} (Help → About in Grafana, or the "version" of GET ${environmentGrafanaUrl(config, environment)}/api/health), e.g. "12.1.0"`,
      });
      continue;
    }
    const match = GRAFANA_VERSION_PATTERN.exec(version);
    if (!match) continue; // the schema reported its format
    const [major, minor] = [Number(match[1]), Number(match[2])];
    if (
      major < MINIMUM_GRAFANA_VERSION.major ||
      (major === MINIMUM_GRAFANA_VERSION.major && minor < MINIMUM_GRAFANA_VERSION.minor)
    ) {
      issues.push({
        path,
        message: `Grafana ${version.replace(/^v/, "")} is older than ${minimum}: the rollback contact point's webhook payload and headers are new in Grafana ${minimum}, so an older Grafana drops or rejects the rollback dispatch and no alert rolls back`,
        fix: `upgrade Grafana to ${minimum} or later, then set ${path} to its version`,
      });
    }
  }
  return issues;
};
