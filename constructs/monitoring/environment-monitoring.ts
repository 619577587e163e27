import { Construct } from "constructs";
import { TerraformStack, TerraformVariable } from "cdktf";
import { Dashboard } from "../../gen/providers/grafana/dashboard";
import { DataSource } from "../../gen/providers/grafana/data-source";
import { Folder } from "../../gen/providers/grafana/folder";
import { GrafanaProvider } from "../../gen/providers/grafana/provider";
import {
  MONITORING_DEFAULTS,
  metricsSchema,
  type MetricNames,
  type StakeholderContact,
} from "../../config/monitoring-schema";
import { alertSettingsIssues } from "./alert-checks";
import { alertRateWindow, environmentAlerts, type AlertSettings } from "./alert-model";
import { AlertRouting } from "./alert-routing";
import { AlertRules } from "./alert-rules";
import { environmentDashboards } from "./environment-dashboards";
import { dataSourceUid, folderUid, serviceDashboardUid } from "./names";

/** Terraform variable holding the Grafana credentials (service-account token, or user:password). */
export const GRAFANA_AUTH_VARIABLE = "grafana_auth";

/** An application whose metrics the environment's dashboards and alerts watch. */
export interface MonitoredApplication {
  /** Its name: the value of its metrics' job label, and the start of its containers' names (`<name>-<env>-<slot>`). */
  readonly name: string;
  /** CPU limit per container, in cores, drawn on the CPU panel. @default 0.5 */
  readonly cpus?: number;
  /** Memory limit per container, in MiB, drawn on the memory panel. @default 512 */
  readonly memoryMb?: number;
}

/** Where a firing `action=rollback` alert sends GitHub's `repository_dispatch`, starting the rollback workflow. */
export interface RollbackDispatch {
  /** Owner of the application repository the rollback workflow runs in. */
  readonly repositoryOwner: string;
  /** Name of the application repository. */
  readonly repositoryName: string;
  /** GitHub API base URL (GitHub Enterprise: https://<host>/api/v3). @default "https://api.github.com" */
  readonly githubApiUrl?: string;
  /** Branch the rollback workflow is dispatched on: the repository's default branch. @default "main" */
  readonly dispatchRef?: string;
}

export interface EnvironmentMonitoringProps {
  /** The environment's name, e.g. staging: in every Grafana uid and name, and the alerts' `environment` label. */
  readonly environmentName: string;
  /** Base URL of the Grafana (12.0 or later). */
  readonly grafanaUrl: string;
  /** Grafana organization of the environment's folder, rules and notification policy. @default - the organization of the token */
  readonly grafanaOrgId?: number;
  /** URL of the environment's Prometheus: the data source the dashboards and alerts query. */
  readonly prometheusUrl: string;
  /** Title of the environment's Grafana folder. @default `WTFB <environmentName>` */
  readonly folderTitle?: string;
  /** Name of the Prometheus data source. @default `WTFB <environmentName> Prometheus` */
  readonly dataSourceName?: string;
  /** The applications watched. */
  readonly applications: readonly MonitoredApplication[];
  /** Alert thresholds, windows, flow probes and extra alerts. @default - SOP §5.1 as for staging: 1% errors and 1 s p95 latency for 5 minutes; latency only notifies */
  readonly alerts?: Partial<AlertSettings>;
  /** Names of the metrics and labels queried. @default - http_requests_total, http_request_duration_seconds, cAdvisor's container_* (see docs/monitoring.md) */
  readonly metrics?: Partial<MetricNames>;
  /** Where a rollback alert sends `repository_dispatch`. */
  readonly rollback: RollbackDispatch;
  /** Who hears about every alert. */
  readonly stakeholders: StakeholderContact;
}

/** The alert settings given, the SOP's staging defaults for the rest (a key given as undefined takes its default). */
function alertSettingsWithDefaults(given: Partial<AlertSettings> = {}): AlertSettings {
  const defaults = MONITORING_DEFAULTS.staging;
  const pick = <K extends keyof AlertSettings>(key: K): AlertSettings[K] => given[key] ?? defaults[key];
  return {
    errorRateThresholdPercent: pick("errorRateThresholdPercent"),
    errorRateForMinutes: pick("errorRateForMinutes"),
    latencyP95Seconds: pick("latencyP95Seconds"),
    latencyForMinutes: pick("latencyForMinutes"),
    rollbackOnLatency: pick("rollbackOnLatency"),
    availabilityForMinutes: pick("availabilityForMinutes"),
    containerRestartLimit: pick("containerRestartLimit"),
    containerRestartWindowMinutes: pick("containerRestartWindowMinutes"),
    criticalFlowProbes: pick("criticalFlowProbes"),
    extraAlerts: pick("extraAlerts"),
  };
}

/** Longest derived uid: `wtfb-<environment>-prometheus`; Grafana uids are at most 40 characters (pkg/util ValidateUID). */
const MAX_ENVIRONMENT_NAME_LENGTH = 40 - "wtfb--prometheus".length;

/**
 * An environment's monitoring in Grafana (SOP §4.3, §5.1, §6.2): the provider, a folder, the Prometheus data
 * source, the service-overview and delivery dashboards, the alert rules (also written as a Prometheus rule
 * file) and the routing that turns a rollback alert into a run of the rollback workflow.
 */
export class EnvironmentMonitoring extends Construct {
  /** The environment's name. */
  public readonly environmentName: string;
  /** The environment's Grafana folder (dashboards and rule group). */
  public readonly folder: Folder;
  /** The environment's Prometheus data source. */
  public readonly dataSource: DataSource;
  /** The service-overview dashboard. */
  public readonly serviceDashboard: Dashboard;
  /** The delivery dashboard. */
  public readonly deliveryDashboard: Dashboard;
  /** The alert rules (Grafana rule group and Prometheus rule file). */
  public readonly alertRules: AlertRules;
  /** Contact points, notification policy and message template. */
  public readonly alertRouting: AlertRouting;

  constructor(scope: Construct, id: string, props: EnvironmentMonitoringProps) {
    super(scope, id);
    const environment = props.environmentName;
    if (!new RegExp(`^[a-z][a-z0-9-]{0,${MAX_ENVIRONMENT_NAME_LENGTH - 1}}$`).test(environment)) {
      throw new Error(
        `EnvironmentMonitoring: environmentName ${JSON.stringify(environment)} cannot name Grafana objects; use lowercase letters, digits and -, starting with a letter, at most ${MAX_ENVIRONMENT_NAME_LENGTH} characters (Grafana uids are at most 40: wtfb-<name>-prometheus)`,
      );
    }
    this.environmentName = environment;
    const parsedMetrics = metricsSchema.safeParse(props.metrics ?? {});
    if (!parsedMetrics.success) {
      throw new Error(
        `EnvironmentMonitoring ${environment}: ${parsedMetrics.error.issues.map((issue) => `metrics.${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
      );
    }
    const metrics = parsedMetrics.data;
    const alertSettings = alertSettingsWithDefaults(props.alerts);
    const applications = props.applications.map((application) => ({
      name: application.name,
      cpus: application.cpus ?? 0.5,
      memoryMb: application.memoryMb ?? 512,
    }));
    const problems = alertSettingsIssues(
      {
        environment,
        applications: applications.map((application) => application.name),
        metrics,
        monitoring: alertSettings,
      },
      "alerts",
    );
    if (problems.length > 0) {
      throw new Error(
        `EnvironmentMonitoring ${environment}: ${problems.map((problem) => `${problem.path}: ${problem.message}${problem.fix ? ` (fix: ${problem.fix})` : ""}`).join("; ")}`,
      );
    }
    const grafanaUrl = props.grafanaUrl.replace(/\/+$/, "");
    const orgId = props.grafanaOrgId === undefined ? undefined : String(props.grafanaOrgId);

    // Required, per stack, no default: a service-account token belongs to one organization, and Grafana answers
    // 401 api-key.organization-mismatch when the provider sends it with another X-Grafana-Org-Id. A default of null
    // would let the provider fall back to one shared GRAFANA_AUTH for every environment.
    const organization = orgId === undefined ? "the organization of the token" : `Grafana organization ${orgId}`;
    const auth = new TerraformVariable(TerraformStack.of(this), GRAFANA_AUTH_VARIABLE, {
      type: "string",
      sensitive: true,
      nullable: false,
      description: `Grafana credentials of ${environment} (${organization}): a service-account token of that organization (or user:password). Supply as TF_VAR_${GRAFANA_AUTH_VARIABLE} for this stack only; in CI, the ${environment} environment's secret GRAFANA_AUTH.`,
    });
    new GrafanaProvider(this, "grafana", { url: grafanaUrl, auth: auth.stringValue });

    this.folder = new Folder(this, "folder", {
      title: props.folderTitle ?? `WTFB ${environment}`,
      uid: folderUid(environment),
      orgId,
    });
    this.dataSource = new DataSource(this, "prometheus", {
      name: props.dataSourceName ?? `WTFB ${environment} Prometheus`,
      uid: dataSourceUid(environment),
      type: "prometheus",
      url: props.prometheusUrl,
      accessMode: "proxy",
      // The scrape interval makes Grafana's $__rate_interval match the alerts' rate window.
      jsonDataEncoded: JSON.stringify({ httpMethod: "POST", timeInterval: `${metrics.scrapeIntervalSeconds}s` }),
      orgId,
    });

    const alerts = environmentAlerts({
      environment,
      applications: applications.map((application) => application.name),
      metrics,
      monitoring: alertSettings,
      grafanaUrl,
    });
    const dashboards = environmentDashboards({ environment, applications, metrics, monitoring: alertSettings, alerts });
    this.serviceDashboard = new Dashboard(this, "service-dashboard", {
      folder: this.folder.uid,
      configJson: dashboards.serviceOverview,
      overwrite: true,
      orgId,
      dependsOn: [this.dataSource],
    });
    this.deliveryDashboard = new Dashboard(this, "delivery-dashboard", {
      folder: this.folder.uid,
      configJson: dashboards.delivery,
      overwrite: true,
      orgId,
      dependsOn: [this.dataSource],
    });

    this.alertRules = new AlertRules(this, "alert-rules", {
      environment,
      rules: alerts,
      folder: this.folder,
      dataSource: this.dataSource,
      dashboardPanels: { dashboardUid: serviceDashboardUid(environment), panelIds: dashboards.alertPanelIds },
      rateWindow: alertRateWindow(metrics),
      orgId,
    });
    this.alertRouting = new AlertRouting(this, "alert-routing", {
      environment,
      repositoryOwner: props.rollback.repositoryOwner,
      repositoryName: props.rollback.repositoryName,
      githubApiUrl: props.rollback.githubApiUrl,
      dispatchRef: props.rollback.dispatchRef,
      stakeholders: props.stakeholders,
      orgId,
    });
  }
}
