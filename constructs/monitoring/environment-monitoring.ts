import { Construct } from "constructs";
import { TerraformStack, TerraformVariable } from "cdktf";
import { Dashboard } from "../../gen/providers/grafana/dashboard";
import { DataSource } from "../../gen/providers/grafana/data-source";
import { Folder } from "../../gen/providers/grafana/folder";
import { GrafanaProvider } from "../../gen/providers/grafana/provider";
import type { EnvironmentName } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { environmentGrafanaUrl } from "./alert-checks";
import { alertRateWindow, environmentAlerts } from "./alert-model";
import { AlertRouting } from "./alert-routing";
import { AlertRules } from "./alert-rules";
import { environmentDashboards } from "./environment-dashboards";
import { dataSourceUid, folderUid, serviceDashboardUid } from "./names";

/** Terraform variable holding the Grafana credentials (service-account token, or user:password). */
export const GRAFANA_AUTH_VARIABLE = "grafana_auth";

export interface EnvironmentMonitoringProps {
  /** The resolved pipeline config. */
  readonly config: PipelineConfig;
  /** The environment monitored. */
  readonly environment: EnvironmentName;
}

/**
 * An environment's monitoring in Grafana (SOP §4.3, §5.1, §6.2): the provider, a folder, the Prometheus data
 * source, the service-overview and delivery dashboards, the alert rules (also written as a Prometheus rule
 * file) and the routing that turns a rollback alert into a run of the rollback workflow.
 */
export class EnvironmentMonitoring extends Construct {
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
    const { config, environment } = props;
    const monitoring = config.environments[environment].monitoring;
    const metrics = config.monitoring.metrics;
    const grafanaUrl = environmentGrafanaUrl(config, environment);
    const orgId = monitoring.grafanaOrgId === undefined ? undefined : String(monitoring.grafanaOrgId);

    const auth = new TerraformVariable(TerraformStack.of(this), GRAFANA_AUTH_VARIABLE, {
      type: "string",
      sensitive: true,
      nullable: true,
      description: `Grafana credentials for ${environment}: a service-account token or user:password. Supply as TF_VAR_${GRAFANA_AUTH_VARIABLE}, or leave it unset and export GRAFANA_AUTH.`,
    });
    // A null default makes the variable optional; the provider then reads GRAFANA_AUTH (cdktf cannot emit null itself).
    auth.addOverride("default", null);
    new GrafanaProvider(this, "grafana", { url: grafanaUrl, auth: auth.stringValue });

    this.folder = new Folder(this, "folder", { title: `WTFB ${environment}`, uid: folderUid(environment), orgId });
    this.dataSource = new DataSource(this, "prometheus", {
      name: `WTFB ${environment} Prometheus`,
      uid: dataSourceUid(environment),
      type: "prometheus",
      url: monitoring.prometheusUrl,
      accessMode: "proxy",
      // The scrape interval makes Grafana's $__rate_interval match the alerts' rate window.
      jsonDataEncoded: JSON.stringify({ httpMethod: "POST", timeInterval: `${metrics.scrapeIntervalSeconds}s` }),
      orgId,
    });

    const dashboards = environmentDashboards({ environment, applications: config.applications, metrics, monitoring });
    this.serviceDashboard = new Dashboard(this, "service-dashboard", { folder: this.folder.uid, configJson: dashboards.serviceOverview, overwrite: true, orgId, dependsOn: [this.dataSource] });
    this.deliveryDashboard = new Dashboard(this, "delivery-dashboard", { folder: this.folder.uid, configJson: dashboards.delivery, overwrite: true, orgId, dependsOn: [this.dataSource] });

    this.alertRules = new AlertRules(this, "alert-rules", {
      environment,
      rules: environmentAlerts({ environment, applications: config.applications.map((application) => application.name), metrics, monitoring, grafanaUrl }),
      folder: this.folder,
      dataSource: this.dataSource,
      dashboardUid: serviceDashboardUid(environment),
      rateWindow: alertRateWindow(metrics),
      orgId,
    });
    this.alertRouting = new AlertRouting(this, "alert-routing", {
      environment,
      repositoryOwner: config.repository.owner,
      repositoryName: config.repository.name,
      githubApiUrl: config.monitoring.githubApiUrl,
      dispatchRef: config.repository.defaultBranch,
      stakeholders: config.monitoring.stakeholders,
      orgId,
    });
  }
}
