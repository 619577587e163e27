/**
 * The alerts of one environment, modelled once as plain data (SOP §5.1 automatic rollback triggers, §4.3 watching
 * error rates and performance) and rendered twice: as Grafana-managed rules and as a Prometheus rule file.
 */
import type { EnvironmentMonitoring, MetricNames } from "../../config/monitoring-schema";
import { dashboardUrl, promDuration, serviceDashboardUid } from "./names";

/** What a firing alert makes happen; the notification policy routes on it. */
export type AlertAction = "rollback" | "notify";

/** How urgently people hear about it; the notification policy routes on it. */
export type AlertSeverity = "critical" | "warning";

/** What Grafana reports when the query returns nothing. */
export type NoDataBehaviour = "OK" | "NoData" | "Alerting";

/** One alert: a PromQL query compared against a threshold for a while. */
export interface AlertRule {
  /** Alert name: the Grafana rule title and the Prometheus `alert`, PascalCase. */
  readonly name: string;
  /** PromQL giving an instant vector; may use Grafana's `$__rate_interval`. */
  readonly query: string;
  /** Fire when the query's value is above or below the threshold. */
  readonly comparator: "above" | "below";
  readonly threshold: number;
  /** Minutes the condition must hold before the alert fires. */
  readonly forMinutes: number;
  readonly severity: AlertSeverity;
  readonly action: AlertAction;
  /**
   * Application the alert is about; the rollback workflow rolls it back. Unset for the built-in alerts: their
   * series carry the `application` label, one alert instance per application.
   */
  readonly application?: string;
  /** Labels beyond environment, application, severity and action. */
  readonly extraLabels: Readonly<Record<string, string>>;
  /** One line for notifications and the rollback reason. */
  readonly summary: string;
  /** What it means and what happens next. */
  readonly description: string;
  /** Link to the dashboard to look at. */
  readonly dashboardUrl: string;
  readonly noData: NoDataBehaviour;
  /** Config path the alert comes from, for error messages. */
  readonly source: string;
}

/** The thresholds, windows, probes and extra alerts of an environment's alerts (SOP §5.1). */
export type AlertSettings = Pick<
  EnvironmentMonitoring,
  | "errorRateThresholdPercent"
  | "errorRateForMinutes"
  | "latencyP95Seconds"
  | "latencyForMinutes"
  | "rollbackOnLatency"
  | "availabilityForMinutes"
  | "containerRestartLimit"
  | "containerRestartWindowMinutes"
  | "criticalFlowProbes"
  | "extraAlerts"
>;

export interface EnvironmentAlertsInput {
  readonly environment: string;
  /** Names of the applications deployed to the environment. */
  readonly applications: readonly string[];
  readonly metrics: MetricNames;
  readonly monitoring: AlertSettings;
  /** Grafana base URL, for dashboard links. */
  readonly grafanaUrl: string;
  /** Where `monitoring` comes from, for error messages. @default `environments.<environment>.monitoring` */
  readonly sourcePath?: string;
}

/** The rate window alerts use: four scrape intervals, what Grafana's `$__rate_interval` gives at its smallest. */
export function alertRateWindow(metrics: MetricNames): string {
  return promDuration(4 * metrics.scrapeIntervalSeconds);
}

/**
 * PromQL label-matcher regex for the containers serving an application, or any of several: the runtime contract's
 * `containerName` with a serving slot (blue, green, stable, canary or a replica number) and at most a generation
 * qualifier, so the proxy and one-off migration and backup containers are left out. With several applications
 * their names are the first group (`$1`). Names are DNS labels: no escaping needed.
 */
export function servingContainerPattern(applications: string | readonly string[], environment: string): string {
  const name = typeof applications === "string" ? applications : `(${applications.join("|")})`;
  return `${name}-${environment}-(blue|green|stable|canary|[0-9]+)(-[0-9a-f]+)?`;
}

/** The application a flow probe or extra alert is about: the one it names, or the only application. */
export function alertApplication(requested: string | undefined, applications: readonly string[]): string | undefined {
  return requested ?? (applications.length === 1 ? applications[0] : undefined);
}

/** The built-in alerts' names. Each is one rule for every application of the environment. */
export const BUILT_IN_ALERTS = ["ErrorRateHigh", "LatencyP95High", "TargetDown", "ContainerRestarts"] as const;

/** Where a built-in alert's summary and description name the application: filled in per alert instance. */
const APPLICATION = "{{ $labels.application }}";

/**
 * Every alert of an environment, in a stable order: the built-in ones, then probes, then extras.
 *
 * The built-in alerts are multi-dimensional: one rule per kind watches every application, and each of its series
 * carries an `application` label (from the job label, or from the container name), so an alert instance, its
 * notification and the rollback it starts are about one application. The rule count does not grow with the
 * applications; only the queries' label matchers do.
 */
export function environmentAlerts(input: EnvironmentAlertsInput): AlertRule[] {
  const { environment, metrics, monitoring, applications } = input;
  const window = alertRateWindow(metrics);
  const link = dashboardUrl(input.grafanaUrl, serviceDashboardUid(environment));
  const path = input.sourcePath ?? `environments.${environment}.monitoring`;
  const rules: AlertRule[] = [];

  if (applications.length > 0) {
    const jobLabel = metrics.jobLabel;
    const job =
      applications.length === 1 ? `${jobLabel}="${applications[0]}"` : `${jobLabel}=~"${applications.join("|")}"`;
    // The job's value is the application's name (the metrics contract), so it becomes the `application` label.
    const byApplication = (expr: string) => `label_replace(${expr}, "application", "$1", "${jobLabel}", "(.+)")`;
    const perVersion = `sum by (${jobLabel}, ${metrics.versionLabel})`;
    const errorPercent = monitoring.errorRateThresholdPercent;
    rules.push({
      name: "ErrorRateHigh",
      query: byApplication(
        `${perVersion} (rate(${metrics.requestsTotal}{${job},${metrics.statusLabel}=~"5.."}[${window}]))` +
          ` / ${perVersion} (rate(${metrics.requestsTotal}{${job}}[${window}]))`,
      ),
      comparator: "above",
      threshold: errorPercent / 100,
      forMinutes: monitoring.errorRateForMinutes,
      severity: "critical",
      action: "rollback",
      extraLabels: {},
      summary: `${APPLICATION} in ${environment}: more than ${errorPercent}% of requests fail with 5xx`,
      description: `The 5xx error rate of ${APPLICATION} stayed above ${errorPercent}% for ${monitoring.errorRateForMinutes} minutes. The rollback workflow redeploys the known-good version (SOP §5.1).`,
      dashboardUrl: link,
      noData: "OK",
      source: `${path}.errorRateThresholdPercent`,
    });
    const latencyRollback = monitoring.rollbackOnLatency;
    rules.push({
      name: "LatencyP95High",
      query: byApplication(
        `histogram_quantile(0.95, sum by (le, ${jobLabel}, ${metrics.versionLabel}) (rate(${metrics.durationHistogram}_bucket{${job}}[${window}])))`,
      ),
      comparator: "above",
      threshold: monitoring.latencyP95Seconds,
      forMinutes: monitoring.latencyForMinutes,
      severity: latencyRollback ? "critical" : "warning",
      action: latencyRollback ? "rollback" : "notify",
      extraLabels: {},
      summary: `${APPLICATION} in ${environment}: p95 latency above ${monitoring.latencyP95Seconds}s`,
      description: `The 95th percentile request duration of ${APPLICATION} stayed above ${monitoring.latencyP95Seconds}s for ${monitoring.latencyForMinutes} minutes (performance degradation). ${latencyRollback ? "The rollback workflow redeploys the known-good version (SOP §5.1)." : "Investigate before promoting this version."}`,
      dashboardUrl: link,
      noData: "OK",
      source: `${path}.latencyP95Seconds`,
    });
    // An application Prometheus has no target of at all gives no `up` series; `absent` gives one in its name,
    // made 0, so it alerts like a target that is down instead of going silent.
    const absent = applications.map((application) => `absent(up{${jobLabel}="${application}"})`).join(" or ");
    rules.push({
      name: "TargetDown",
      query: byApplication(`min by (${jobLabel}) (up{${job}}) or on (${jobLabel}) (${absent}) * 0`),
      comparator: "below",
      threshold: 1,
      forMinutes: monitoring.availabilityForMinutes,
      severity: "critical",
      action: "notify",
      extraLabels: {},
      summary: `${APPLICATION} in ${environment}: a target is down`,
      description: `Prometheus could not scrape ${APPLICATION}, or one of its replicas, for ${monitoring.availabilityForMinutes} minutes (or has no target for it): the service is unavailable or degraded.`,
      dashboardUrl: link,
      noData: "Alerting",
      source: `${path}.availabilityForMinutes`,
    });
    const serving = servingContainerPattern(applications, environment);
    rules.push({
      name: "ContainerRestarts",
      query: `label_replace(changes(${metrics.containerStartTime}{${metrics.containerNameLabel}=~"${serving}"}[${promDuration(monitoring.containerRestartWindowMinutes * 60)}]), "application", "$1", "${metrics.containerNameLabel}", "${serving}")`,
      comparator: "above",
      threshold: monitoring.containerRestartLimit,
      forMinutes: 0,
      severity: "warning",
      action: "notify",
      extraLabels: {},
      summary: `${APPLICATION} in ${environment}: a container restarted more than ${monitoring.containerRestartLimit} times in ${monitoring.containerRestartWindowMinutes} minutes`,
      description: `A container of ${APPLICATION} keeps restarting (crash loop or failing health check); see its logs on the Docker host.`,
      dashboardUrl: link,
      noData: "OK",
      source: `${path}.containerRestartLimit`,
    });
  }

  monitoring.criticalFlowProbes.forEach((probe, index) => {
    const application = alertApplication(probe.application, input.applications);
    rules.push({
      name: `${pascalCase(probe.name)}FlowBroken`,
      query: probe.expr,
      comparator: "below",
      threshold: 1,
      forMinutes: probe.forMinutes,
      severity: "critical",
      action: "rollback",
      application,
      extraLabels: { flow: probe.name },
      summary: `${probe.name} flow broken in ${environment}`,
      description: `The ${probe.name} probe has failed for ${probe.forMinutes} minutes: critical functionality is broken. The rollback workflow redeploys the known-good version (SOP §5.1).`,
      dashboardUrl: link,
      // A missing probe is reported, but only a failing one may roll back.
      noData: "NoData",
      source: `${path}.criticalFlowProbes[${index}].expr`,
    });
  });

  monitoring.extraAlerts.forEach((alert, index) => {
    const sign = alert.comparator === "above" ? ">" : "<";
    rules.push({
      name: alert.name,
      query: alert.expr,
      comparator: alert.comparator,
      threshold: alert.threshold,
      forMinutes: alert.forMinutes,
      severity: alert.severity,
      action: alert.rollback ? "rollback" : "notify",
      application: alertApplication(alert.application, input.applications),
      extraLabels: {},
      summary: alert.summary ?? `${alert.name} in ${environment}: value ${sign} ${alert.threshold}`,
      description: `${alert.name} held ${alert.comparator} ${alert.threshold} for ${alert.forMinutes} minutes.${alert.rollback ? " The rollback workflow redeploys the known-good version." : ""}`,
      dashboardUrl: link,
      noData: "NoData",
      source: `${path}.extraAlerts[${index}].expr`,
    });
  });
  return rules;
}

/** Labels every render attaches: the notification policy routes on action and severity. */
export function alertLabels(rule: AlertRule, environment: string): Record<string, string> {
  return {
    environment,
    ...(rule.application ? { application: rule.application } : {}),
    severity: rule.severity,
    action: rule.action,
    ...rule.extraLabels,
  };
}

/** Annotations every render attaches; the message template and the rollback dispatch read them. */
export function alertAnnotations(rule: AlertRule): Record<string, string> {
  return { summary: rule.summary, description: rule.description, dashboard: rule.dashboardUrl };
}

/** `web-api` → `WebApi`: application and flow names as part of an alert name. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}
