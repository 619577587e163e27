import type {} from "cdktf/lib/testing/adapters/jest";
import { Testing, TerraformStack } from "cdktf";
import { ContactPoint } from "../../gen/providers/grafana/contact-point";
import { DataSource } from "../../gen/providers/grafana/data-source";
import { Folder } from "../../gen/providers/grafana/folder";
import { RuleGroup } from "../../gen/providers/grafana/rule-group";
import type { AlertRule } from "../../constructs/monitoring/alert-model";
import { AlertRules } from "../../constructs/monitoring/alert-rules";
import {
  EnvironmentMonitoring,
  type EnvironmentMonitoringProps,
} from "../../constructs/monitoring/environment-monitoring";
import { environmentMonitoringProps } from "../../constructs/monitoring/from-config";
import { resourcesOf, shippedConfig } from "../helpers";

/** A team's own QA environment, described without any pipeline config. */
const QA: EnvironmentMonitoringProps = {
  environmentName: "qa",
  grafanaUrl: "https://grafana.team-b.example/",
  grafanaOrgId: 4,
  prometheusUrl: "http://prometheus.qa.team-b.internal:9090",
  applications: [{ name: "shop", cpus: 1, memoryMb: 256 }, { name: "search" }],
  alerts: {
    errorRateThresholdPercent: 2,
    extraAlerts: [
      {
        name: "CartsAbandoned",
        expr: "sum(rate(carts_abandoned_total[5m]))",
        comparator: "above",
        threshold: 3,
        forMinutes: 10,
        severity: "warning",
        rollback: false,
        application: "shop",
      },
    ],
  },
  rollback: { repositoryOwner: "team-b", repositoryName: "shop" },
  stakeholders: { type: "email", addresses: ["oncall@team-b.example"] },
};

describe("EnvironmentMonitoring from its own props", () => {
  test("composes in a bare stack: provider, folder, data source, rules, routing, no pipeline config", () => {
    // GIVEN / WHEN
    const synthesized = Testing.synthScope((scope) => {
      new EnvironmentMonitoring(scope, "monitoring", QA);
    });

    // THEN
    expect(synthesized).toHaveResourceWithProperties(Folder, { uid: "wtfb-qa", title: "WTFB qa", org_id: "4" });
    expect(synthesized).toHaveResourceWithProperties(DataSource, {
      uid: "wtfb-qa-prometheus",
      type: "prometheus",
      url: "http://prometheus.qa.team-b.internal:9090",
      org_id: "4",
    });
    expect(synthesized).toHaveResourceWithProperties(ContactPoint, {
      name: "wtfb-qa-rollback",
      webhook: [
        expect.objectContaining({
          url: "https://api.github.com/repos/team-b/shop/actions/workflows/rollback.yml/dispatches",
          authorization_credentials: "${var.rollback_dispatch_token}",
        }),
      ],
    });
    expect(synthesized).toHaveResourceWithProperties(ContactPoint, {
      name: "wtfb-qa-stakeholders",
      email: [expect.objectContaining({ addresses: ["oncall@team-b.example"] })],
    });
    const stack = JSON.parse(synthesized);
    expect(stack.provider.grafana).toEqual([{ url: "https://grafana.team-b.example", auth: "${var.grafana_auth}" }]);
    expect(stack.variable.grafana_auth).toMatchObject({ sensitive: true, nullable: false });
    // The given threshold, the defaults for the rest, the extra alert, and both applications watched
    const [group] = Object.values(resourcesOf(stack, "grafana_rule_group")) as any[];
    expect(group.rule.map((rule: any) => rule.name)).toEqual([
      "ErrorRateHigh",
      "LatencyP95High",
      "TargetDown",
      "ContainerRestarts",
      "CartsAbandoned",
    ]);
    const errorRate = group.rule[0];
    expect(JSON.parse(errorRate.data[2].model).conditions[0].evaluator.params).toEqual([0.02]);
    expect(JSON.parse(errorRate.data[0].model).expr).toContain('job=~"shop|search"');
    expect(errorRate.labels).toEqual({ environment: "qa", severity: "critical", action: "rollback" });
    expect(errorRate.annotations).toMatchObject({ __dashboardUid__: "wtfb-qa-service", __panelId__: "2" });
  });

  test("fails when the environment name cannot be part of a Grafana uid, saying what fits", () => {
    for (const environmentName of ["QA", "a-very-long-environment-name-x", "qa_1"]) {
      expect(() =>
        Testing.synthScope((scope) => new EnvironmentMonitoring(scope, "monitoring", { ...QA, environmentName })),
      ).toThrow(
        `environmentName ${JSON.stringify(environmentName)} cannot name Grafana objects; use lowercase letters, digits and -`,
      );
    }
  });

  test("fails when a threshold is out of range or an alert's PromQL is invalid, naming the prop", () => {
    expect(() =>
      Testing.synthScope(
        (scope) =>
          new EnvironmentMonitoring(scope, "monitoring", { ...QA, alerts: { errorRateThresholdPercent: 150 } }),
      ),
    ).toThrow(
      "alerts.errorRateThresholdPercent: alert ErrorRateHigh: the error-rate threshold 150% is outside its range",
    );
    const broken = { ...QA.alerts!.extraAlerts![0], expr: "rate(carts_abandoned_total)" };
    expect(() =>
      Testing.synthScope(
        (scope) => new EnvironmentMonitoring(scope, "monitoring", { ...QA, alerts: { extraAlerts: [broken] } }),
      ),
    ).toThrow("alerts.extraAlerts[0].expr: alert CartsAbandoned: invalid PromQL");
    expect(() =>
      Testing.synthScope(
        (scope) => new EnvironmentMonitoring(scope, "monitoring", { ...QA, metrics: { jobLabel: "job name" } }),
      ),
    ).toThrow("metrics.jobLabel: must be a Prometheus label name");
  });

  test("the pipeline's stacks map the config onto the same props", () => {
    const config = shippedConfig();
    const props = environmentMonitoringProps(config, "production");
    expect(props).toMatchObject({
      environmentName: "production",
      grafanaUrl: "https://grafana.wtfb.example",
      grafanaOrgId: 1,
      prometheusUrl: "http://prometheus.prod.wtfb.internal:9090",
      applications: [{ name: "web", cpus: 1, memoryMb: 768 }],
      rollback: {
        repositoryOwner: "wtfb",
        repositoryName: "wtfb-app",
        githubApiUrl: "https://api.github.com",
        dispatchRef: "main",
      },
      stakeholders: { type: "email", addresses: ["releases@wtfb.example"] },
    });
    expect(props.alerts).toMatchObject({
      errorRateThresholdPercent: 1,
      latencyP95Seconds: 0.5,
      rollbackOnLatency: true,
    });
  });
});

describe("AlertRules from its own props", () => {
  const rule: AlertRule = {
    name: "QueueBacklog",
    query: "sum(jobs_waiting)",
    comparator: "above",
    threshold: 100,
    forMinutes: 5,
    severity: "warning",
    action: "notify",
    application: "worker",
    extraLabels: {},
    summary: "jobs are waiting",
    description: "More than 100 jobs wait.",
    dashboardUrl: "https://grafana.example/d/ops",
    noData: "NoData",
    source: "rules[0]",
  };

  function composed(
    stack: TerraformStack,
    dashboardPanels?: { dashboardUid: string; panelIds: Record<string, number> },
  ) {
    const folder = new Folder(stack, "folder", { title: "Ops", uid: "ops" });
    const dataSource = new DataSource(stack, "prometheus", {
      name: "Ops Prometheus",
      uid: "ops-prometheus",
      type: "prometheus",
      url: "http://prometheus:9090",
    });
    return new AlertRules(stack, "rules", {
      environment: "ops",
      rules: [rule],
      folder,
      dataSource,
      dashboardPanels,
      rateWindow: "1m",
    });
  }

  test("renders the rules into a rule group in the given folder, linking each to its panel", () => {
    const synthesized = Testing.synthScope((scope) => {
      composed(scope as TerraformStack, { dashboardUid: "ops", panelIds: { QueueBacklog: 7 } });
    });
    expect(synthesized).toHaveResourceWithProperties(RuleGroup, {
      name: "wtfb-ops",
      rule: [
        expect.objectContaining({
          name: "QueueBacklog",
          annotations: expect.objectContaining({ __dashboardUid__: "ops", __panelId__: "7" }),
        }),
      ],
    });
  });

  test("without dashboardPanels a rule carries neither dashboard annotation", () => {
    const synthesized = Testing.synthScope((scope) => {
      composed(scope as TerraformStack);
    });
    const [group] = Object.values(resourcesOf(synthesized, "grafana_rule_group")) as any[];
    expect(Object.keys(group.rule[0].annotations).sort()).toEqual(["dashboard", "description", "summary"]);
  });

  test("fails when a rule has no panel in the dashboard, naming the rule", () => {
    expect(() =>
      Testing.synthScope((scope) => composed(scope as TerraformStack, { dashboardUid: "ops", panelIds: {} })),
    ).toThrow("AlertRules: rule QueueBacklog of ops has no panel in dashboard ops");
  });
});
