/**
 * Panels of the environment dashboards, grouped by domain in small factories, with the shared query and
 * threshold helpers in one place. Built with the Grafana foundation SDK's typed builders.
 */
import { PanelBuilder as AnnotationListPanel } from "@grafana/grafana-foundation-sdk/annotationslist";
import { PanelBuilder as BarGaugePanel } from "@grafana/grafana-foundation-sdk/bargauge";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import type { MetricNames } from "../../config/monitoring-schema";
import { DEPLOYMENT_METRICS } from "../contract";
import { servingContainerPattern, type AlertRule, type AlertSettings } from "./alert-model";
import { promDuration } from "./names";

export type Panel = cog.Builder<dashboard.Panel>;

/** What the service panels of one application need. */
export interface ServicePanelContext {
  readonly environment: string;
  readonly application: { readonly name: string; readonly cpus: number; readonly memoryMb: number };
  readonly metrics: MetricNames;
  readonly monitoring: AlertSettings;
  readonly dataSource: common.DataSourceRef;
}

/** What the delivery panels of one environment need. */
export interface DeliveryPanelContext {
  readonly environment: string;
  readonly dataSource: common.DataSourceRef;
}

/** What the alert panels of one environment need. */
export interface AlertPanelContext {
  /** The environment's alerts, in rule order. */
  readonly alerts: readonly AlertRule[];
  readonly dataSource: common.DataSourceRef;
}

const RED = "red";
const GREEN = "green";

/** A Prometheus range query with its legend. */
export function prometheusQuery(expr: string, legend: string, refId = "A"): DataqueryBuilder {
  return new DataqueryBuilder().expr(expr).legendFormat(legend).refId(refId).range();
}

/** A Prometheus instant query (stat and bar-gauge panels show one value per series). */
export function instantQuery(expr: string, legend: string, refId = "A"): DataqueryBuilder {
  return new DataqueryBuilder().expr(expr).legendFormat(legend).refId(refId).instant();
}

/** Green below the limit, red from it on. */
export function limitThresholds(limit: number): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: GREEN },
    { value: limit, color: RED },
  ]);
}

/** Red below the floor, green from it on: for alerts that fire when a value drops. */
export function floorThresholds(floor: number): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: RED },
    { value: floor, color: GREEN },
  ]);
}

/** A time series with its limit drawn as a dashed red line. */
function limitedTimeseries(
  title: string,
  unit: string,
  limit: number,
  context: { dataSource: common.DataSourceRef },
): TimeseriesPanel {
  return new TimeseriesPanel()
    .title(title)
    .datasource(context.dataSource)
    .unit(unit)
    .thresholds(limitThresholds(limit))
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .height(8)
    .span(8);
}

function selector(context: ServicePanelContext, extra = ""): string {
  return `{${context.metrics.jobLabel}="${context.application.name}"${extra}}`;
}

function containerSelector(context: ServicePanelContext): string {
  return `{${context.metrics.containerNameLabel}=~"${servingContainerPattern(context.application.name, context.environment)}"}`;
}

/**
 * One panel per alert, showing the alert's own query with its threshold as a dashed line: the panel the Grafana rule
 * links to (`__dashboardUid__` and `__panelId__`), so the alert's page and notifications show exactly what fired.
 */
export function alertPanels(context: AlertPanelContext): Panel[] {
  return context.alerts.map((alert) =>
    limitedTimeseries(alert.name, "short", alert.threshold, context)
      .thresholds(alert.comparator === "above" ? limitThresholds(alert.threshold) : floorThresholds(alert.threshold))
      .description(
        `Alert ${alert.name}: fires when the value stays ${alert.comparator} ${alert.threshold} for ${alert.forMinutes} minutes, then ${alert.action === "rollback" ? "rolls the application back" : "notifies"} (${alert.severity}).`,
      )
      // Built-in alerts give one series per application, labelled with it.
      .withTarget(prometheusQuery(alert.query, alert.application === undefined ? "{{application}}" : "__auto")),
  );
}

/** Request rate and error rate, per version (a canary's traffic and errors show apart from the stable version's). */
export function trafficPanels(context: ServicePanelContext): Panel[] {
  const { metrics, monitoring } = context;
  const version = metrics.versionLabel;
  const requests = `rate(${metrics.requestsTotal}${selector(context)}[$__rate_interval])`;
  const errors = `rate(${metrics.requestsTotal}${selector(context, `,${metrics.statusLabel}=~"5.."`)}[$__rate_interval])`;
  return [
    new TimeseriesPanel()
      .title("Request rate")
      .description("Requests per second, per version.")
      .datasource(context.dataSource)
      .unit("reqps")
      .withTarget(prometheusQuery(`sum by (${version}) (${requests})`, `{{${version}}}`))
      .height(8)
      .span(8),
    limitedTimeseries("Error rate (5xx)", "percent", monitoring.errorRateThresholdPercent, context)
      .description(
        `Percent of requests answered with 5xx, per version. Above ${monitoring.errorRateThresholdPercent}% for ${monitoring.errorRateForMinutes} minutes rolls back (SOP §5.1).`,
      )
      .withTarget(
        prometheusQuery(`100 * sum by (${version}) (${errors}) / sum by (${version}) (${requests})`, `{{${version}}}`),
      ),
    limitedTimeseries("Latency", "s", monitoring.latencyP95Seconds, context)
      .description(
        `Request duration percentiles. p95 above ${monitoring.latencyP95Seconds}s for ${monitoring.latencyForMinutes} minutes is degraded performance.`,
      )
      .targets(
        [0.5, 0.95, 0.99].map((quantile, index) =>
          prometheusQuery(
            `histogram_quantile(${quantile}, sum by (le) (rate(${metrics.durationHistogram}_bucket${selector(context)}[$__rate_interval])))`,
            `p${Math.round(quantile * 100)}`,
            String.fromCharCode(65 + index),
          ),
        ),
      ),
  ];
}

/** CPU and memory against the container limits, and restarts against the alert's limit. */
export function saturationPanels(context: ServicePanelContext): Panel[] {
  const { metrics, monitoring, application } = context;
  const containers = containerSelector(context);
  const name = metrics.containerNameLabel;
  return [
    limitedTimeseries("CPU", "short", application.cpus, context)
      .description(`CPU cores used per container; the limit is ${application.cpus}.`)
      .axisLabel("cores")
      .withTarget(
        prometheusQuery(
          `sum by (${name}) (rate(${metrics.containerCpuSeconds}${containers}[$__rate_interval]))`,
          `{{${name}}}`,
        ),
      ),
    limitedTimeseries("Memory", "bytes", application.memoryMb * 1024 * 1024, context)
      .description(`Working-set memory per container; the limit is ${application.memoryMb} MiB.`)
      .withTarget(prometheusQuery(`sum by (${name}) (${metrics.containerMemoryBytes}${containers})`, `{{${name}}}`)),
    limitedTimeseries("Container restarts", "short", monitoring.containerRestartLimit, context)
      .description(
        `Restarts per container within ${monitoring.containerRestartWindowMinutes} minutes; above ${monitoring.containerRestartLimit} alerts.`,
      )
      .withTarget(
        prometheusQuery(
          `changes(${metrics.containerStartTime}${containers}[${promDuration(monitoring.containerRestartWindowMinutes * 60)}])`,
          `{{${name}}}`,
        ),
      ),
  ];
}

/** The versions serving traffic now, and the latest deployments with their version tags. */
export function versionPanels(context: ServicePanelContext): Panel[] {
  const { metrics } = context;
  const version = metrics.versionLabel;
  return [
    new StatPanel()
      .title("Current version")
      .description(`Versions that served requests in the last interval (from the ${version} label).`)
      .datasource(context.dataSource)
      .withTarget(
        instantQuery(
          `count by (${version}) (rate(${metrics.requestsTotal}${selector(context)}[$__rate_interval]) > 0)`,
          `{{${version}}}`,
        ),
      )
      .textMode(common.BigValueTextMode.Name)
      .colorMode(common.BigValueColorMode.None)
      .graphMode(common.BigValueGraphMode.None)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
      .height(6)
      .span(8),
    new AnnotationListPanel()
      .title("Deployments")
      .description(
        "Latest deployments of this application here, newest first, with their version tags (annotations written by the deploy workflow).",
      )
      .tags(["deployment", `env:${context.environment}`, `app:${context.application.name}`])
      .onlyFromThisDashboard(false)
      .onlyInTimeRange(false)
      .showTags(true)
      .limit(10)
      .height(6)
      .span(16),
  ];
}

/** Deployment frequency, success rate, rollbacks and their reasons, and commit-to-deployment time (SOP §8.2). */
export function deliveryPanels(context: DeliveryPanelContext): Panel[] {
  const labels = (extra = "") =>
    `{job="${DEPLOYMENT_METRICS.pushgatewayJob}",environment="${context.environment}"${extra}}`;
  const deployments = (extra = "") => `changes(${DEPLOYMENT_METRICS.lastDeployment}${labels(extra)}[$__range])`;
  const rollbacks = `changes(${DEPLOYMENT_METRICS.lastRollback}${labels()}[$__range])`;
  const stat = (title: string, description: string) =>
    new StatPanel()
      .title(title)
      .description(description)
      .datasource(context.dataSource)
      .graphMode(common.BigValueGraphMode.None)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
      .height(5)
      .span(6);
  return [
    stat("Deployments", "Deployments in the selected time range.").withTarget(
      instantQuery(`sum(${deployments()})`, "deployments"),
    ),
    stat("Success rate", "Share of deployments in the range that succeeded.")
      .unit("percentunit")
      .thresholds(
        new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
          { value: null, color: RED },
          { value: 0.9, color: GREEN },
        ]),
      )
      .withTarget(instantQuery(`sum(${deployments(',status="success"')}) / sum(${deployments()})`, "success rate")),
    stat("Rollbacks", "Rollbacks in the selected time range.")
      .thresholds(limitThresholds(1))
      .withTarget(instantQuery(`sum(${rollbacks})`, "rollbacks")),
    stat(`Commit to ${context.environment}`, "Time from the deployed commit to its deployment, at the last deployment.")
      .unit("s")
      .withTarget(instantQuery(`max(${DEPLOYMENT_METRICS.leadTime}${labels()})`, "lead time")),
    new TimeseriesPanel()
      .title("Deployment frequency")
      .description("Deployments per day, by application and outcome.")
      .datasource(context.dataSource)
      .drawStyle(common.GraphDrawStyle.Bars)
      .withTarget(
        prometheusQuery(
          `sum by (application, status) (changes(${DEPLOYMENT_METRICS.lastDeployment}${labels()}[1d]))`,
          "{{application}} {{status}}",
        ),
      )
      .interval("1h")
      .height(8)
      .span(12),
    new TimeseriesPanel()
      .title("Commit-to-deployment time")
      .description("Seconds from the deployed commit to its deployment, per application.")
      .datasource(context.dataSource)
      .unit("s")
      .withTarget(
        prometheusQuery(`max by (application) (${DEPLOYMENT_METRICS.leadTime}${labels()})`, "{{application}}"),
      )
      .height(8)
      .span(12),
    new BarGaugePanel()
      .title("Rollbacks by reason")
      .description("Rollbacks in the selected time range, by the reason the rollback workflow recorded.")
      .datasource(context.dataSource)
      .withTarget(instantQuery(`sum by (reason) (${rollbacks})`, "{{reason}}"))
      .displayMode(common.BarGaugeDisplayMode.Basic)
      .orientation(common.VizOrientation.Horizontal)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
      .height(8)
      .span(12),
    new AnnotationListPanel()
      .title("Rollbacks and their reasons")
      .description("Rollback annotations written by the rollback workflow, newest first.")
      .tags(["rollback", `env:${context.environment}`])
      .onlyFromThisDashboard(false)
      .onlyInTimeRange(true)
      .showTags(true)
      .limit(20)
      .height(8)
      .span(12),
  ];
}

/** Grafana's own annotation store, filtered by tags: how the dashboards show deployments and rollbacks. */
export function taggedAnnotations(name: string, tags: string[], color: string): dashboard.AnnotationQueryBuilder {
  const target: cog.Builder<cog.Dataquery> = {
    // The SDK types an annotation target as a data query; the Grafana data source's tag filter is this shape.
    build: () => ({
      ...new dashboard.AnnotationTargetBuilder().type("tags").tags(tags).matchAny(false).limit(100).build(),
      _implementsDataqueryVariant: () => undefined,
    }),
  };
  return new dashboard.AnnotationQueryBuilder()
    .name(name)
    .datasource({ type: "grafana", uid: "-- Grafana --" })
    .enable(true)
    .iconColor(color)
    .target(target);
}
