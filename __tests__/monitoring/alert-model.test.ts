import {
  alertLabels,
  BUILT_IN_ALERTS,
  environmentAlerts,
  servingContainerPattern,
  type EnvironmentAlertsInput,
} from "../../constructs/monitoring/alert-model";
import { prometheusCondition } from "../../constructs/monitoring/prometheus-rules";
import { grafanaRule } from "../../constructs/monitoring/grafana-rules";
import { containerName } from "../../constructs/contract";
import type { EnvironmentName } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { shippedConfig } from "../helpers";

function alertsOf(config: PipelineConfig, environment: EnvironmentName) {
  const input: EnvironmentAlertsInput = {
    environment,
    applications: config.applications.map((application) => application.name),
    metrics: config.monitoring.metrics,
    monitoring: config.environments[environment].monitoring,
    grafanaUrl: config.monitoring.grafanaUrl,
  };
  return environmentAlerts(input);
}

describe("the alert model", () => {
  const config = shippedConfig();

  test("production rolls back above 1% errors for 5 minutes, and on degraded latency", () => {
    // WHEN
    const alerts = alertsOf(config, "production");

    // THEN
    const errorRate = alerts.find((alert) => alert.name === "ErrorRateHigh")!;
    expect(errorRate).toMatchObject({
      threshold: 0.01,
      comparator: "above",
      forMinutes: 5,
      action: "rollback",
      severity: "critical",
    });
    expect(errorRate.query).toContain('http_requests_total{job="web",status=~"5.."}');
    expect(alerts.find((alert) => alert.name === "LatencyP95High")).toMatchObject({
      threshold: 0.5,
      action: "rollback",
    });
    expect(alerts.map((alert) => alert.name)).toEqual([
      "ErrorRateHigh",
      "LatencyP95High",
      "TargetDown",
      "ContainerRestarts",
      "CheckoutFlowBroken",
    ]);
  });

  test("development takes its own thresholds, and degraded latency there only notifies", () => {
    const alerts = alertsOf(config, "development");
    expect(alerts.find((alert) => alert.name === "ErrorRateHigh")).toMatchObject({ threshold: 0.05 });
    expect(alerts.find((alert) => alert.name === "LatencyP95High")).toMatchObject({
      threshold: 2,
      action: "notify",
      severity: "warning",
    });
  });

  test("metric and label names come from the config", () => {
    const custom = shippedConfig((raw) => {
      raw.monitoring.metrics = {
        requestsTotal: "app_http_requests",
        statusLabel: "code",
        jobLabel: "service",
        versionLabel: "release",
      };
    });
    const errorRate = alertsOf(custom, "staging").find((alert) => alert.name === "ErrorRateHigh")!;
    expect(errorRate.query).toBe(
      'label_replace(sum by (service, release) (rate(app_http_requests{service="web",code=~"5.."}[1m])) / sum by (service, release) (rate(app_http_requests{service="web"}[1m])), "application", "$1", "service", "(.+)")',
    );
  });

  test("an extra alert from the config is modelled with its comparator, threshold and rollback action", () => {
    const custom = shippedConfig((raw) => {
      raw.environments.staging.monitoring.extraAlerts = [
        {
          name: "SignupsStalled",
          expr: "sum(rate(signups_total[$__rate_interval]))",
          comparator: "below",
          threshold: 0.1,
          rollback: true,
          severity: "critical",
        },
      ];
    });
    const extra = alertsOf(custom, "staging").find((alert) => alert.name === "SignupsStalled")!;
    expect(extra).toMatchObject({
      comparator: "below",
      threshold: 0.1,
      action: "rollback",
      application: "web",
      source: "environments.staging.monitoring.extraAlerts[0].expr",
    });
    expect(prometheusCondition(extra, "1m")).toBe("(sum(rate(signups_total[1m]))) < 0.1");
  });

  test("one model, two renders: the Grafana rule compares the same query against the same threshold", () => {
    const errorRate = alertsOf(config, "production").find((alert) => alert.name === "ErrorRateHigh")!;
    const rendered = grafanaRule(errorRate, {
      environment: "production",
      dataSourceUid: "wtfb-production-prometheus",
      panel: { dashboardUid: "wtfb-production-service", panelId: 2 },
    });
    const models = (rendered.data as Array<{ refId: string; model: string }>).map((data) => JSON.parse(data.model));
    expect(models.map((model) => model.refId)).toEqual(["A", "B", "C"]);
    expect(models[0].expr).toBe(errorRate.query);
    expect(models[1]).toMatchObject({ type: "reduce", expression: "A", reducer: "last" });
    expect(models[2]).toMatchObject({
      type: "threshold",
      expression: "B",
      conditions: [{ evaluator: { type: "gt", params: [0.01] } }],
    });
    expect(rendered).toMatchObject({ condition: "C", for: "5m", labels: alertLabels(errorRate, "production") });
    expect(rendered.annotations).toMatchObject({ __dashboardUid__: "wtfb-production-service", __panelId__: "2" });
    expect(prometheusCondition(errorRate, "1m")).toBe(`(${errorRate.query}) > 0.01`);
  });

  test("the restart alert's container pattern matches the runtime contract's serving containers and nothing else", () => {
    const pattern = new RegExp(`^(?:${servingContainerPattern("web", "production")})$`);
    for (const serving of [
      containerName("web", "production", "canary"),
      containerName("web", "production", "blue"),
      containerName("web", "production", 2, "3f9a2c1d"),
    ]) {
      expect(serving).toMatch(pattern);
    }
    for (const other of [
      containerName("web", "production", "proxy"),
      containerName("web", "production", "blue", "migrate"),
      containerName("web", "staging", "blue"),
      containerName("webshop", "production", 1),
    ]) {
      expect(other).not.toMatch(pattern);
    }
  });

  test("one rule per kind watches every application: the rules do not grow with the applications, and each series names its application", () => {
    // GIVEN two applications
    const input: EnvironmentAlertsInput = {
      environment: "production",
      applications: ["web", "api"],
      metrics: config.monitoring.metrics,
      monitoring: config.environments.production.monitoring,
      grafanaUrl: config.monitoring.grafanaUrl,
    };

    // WHEN
    const alerts = environmentAlerts(input);

    // THEN the built-in alerts are the same four rules, each selecting both applications' series
    expect(alerts.map((alert) => alert.name)).toEqual([
      "ErrorRateHigh",
      "LatencyP95High",
      "TargetDown",
      "ContainerRestarts",
      "CheckoutFlowBroken",
    ]);
    const byName = (name: string) => alerts.find((alert) => alert.name === name)!;
    expect(byName("ErrorRateHigh").query).toContain('http_requests_total{job=~"web|api",status=~"5.."}');
    expect(byName("ErrorRateHigh").query).toMatch(/^label_replace\(.*, "application", "\$1", "job", "\(\.\+\)"\)$/);
    expect(byName("LatencyP95High").query).toContain(
      'sum by (le, job, version) (rate(http_request_duration_seconds_bucket{job=~"web|api"}',
    );
    // An application without any target still gets a series (0), so it alerts rather than going silent.
    expect(byName("TargetDown").query).toContain(
      'min by (job) (up{job=~"web|api"}) or on (job) (absent(up{job="web"}) or absent(up{job="api"})) * 0',
    );
    // No rule pins an application: the series carry it, and the summary names it per alert instance.
    for (const name of BUILT_IN_ALERTS) {
      expect(byName(name).application).toBeUndefined();
      expect(alertLabels(byName(name), "production")).not.toHaveProperty("application");
      expect(byName(name).summary).toMatch(/^\{\{ \$labels\.application \}\} in production: /);
    }
  });

  test("the restart alert's pattern for several applications captures which application a container serves", () => {
    const pattern = new RegExp(`^(?:${servingContainerPattern(["web", "web-admin"], "production")})$`);
    expect(containerName("web-admin", "production", "blue").match(pattern)?.[1]).toBe("web-admin");
    expect(containerName("web", "production", 3, "3f9a2c1d").match(pattern)?.[1]).toBe("web");
    expect(containerName("web-admin", "production", "proxy")).not.toMatch(pattern);
    expect(containerName("api", "production", "blue")).not.toMatch(pattern);
  });
});
