import { App, TerraformStack, Testing } from "cdktf";
import { parse } from "yaml";
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { Artifacts } from "../../constructs/artifacts";
import { deploymentAnnotationTags, DEPLOYMENT_METRICS } from "../../constructs/contract";
import { ROLLBACK_WORKFLOW_FILE, rollbackWorkflow } from "../../constructs/workflows/rollback-workflow";
import { EnvironmentMonitoring } from "../../constructs/monitoring/environment-monitoring";
import { environmentMonitoringProps } from "../../constructs/monitoring/from-config";
import { promqlProblems } from "../../constructs/monitoring/promql";
import { addPipelineStacks } from "../../stacks/pipeline";
import { resourcesOf, shippedConfig } from "../helpers";

/** The Grafana monitoring of one environment alone, in a stack of its own, with the app's artifacts. */
function synthesizeMonitoring(config: PipelineConfig, environment: EnvironmentName) {
  const app = Testing.app();
  const stack = new TerraformStack(app, environment);
  new EnvironmentMonitoring(stack, "monitoring", environmentMonitoringProps(config, environment));
  return { stack: JSON.parse(Testing.synth(stack)), artifacts: Object.fromEntries(Artifacts.of(app).entries()) };
}

function only(stack: any, type: string): any {
  const resources = Object.values(resourcesOf(stack, type));
  expect(resources).toHaveLength(1);
  return resources[0];
}

/** Every Prometheus query of a dashboard: [panel title, expr]. */
function dashboardQueries(dashboard: any): Array<[string, string]> {
  return dashboard.panels.flatMap((panel: any) =>
    (panel.targets ?? []).map((target: any) => [panel.title, target.expr]),
  );
}

describe("environment monitoring in every environment stack", () => {
  const config = shippedConfig();
  const app: App = Testing.app();
  const stacks = addPipelineStacks(app, config);
  const synthesized = Object.fromEntries(
    stacks.environments.map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack))]),
  );

  test.each(ENVIRONMENT_NAMES)(
    "%s: folder, data source, both dashboards, rule group, contact points, policy and template",
    (environment) => {
      const stack = synthesized[environment];
      expect(only(stack, "grafana_folder")).toMatchObject({ uid: `wtfb-${environment}`, title: `WTFB ${environment}` });
      expect(only(stack, "grafana_data_source")).toMatchObject({
        type: "prometheus",
        url: config.environments[environment].monitoring.prometheusUrl,
        uid: `wtfb-${environment}-prometheus`,
      });
      const dashboards = Object.values(resourcesOf(stack, "grafana_dashboard")).map(
        (dashboard: any) => JSON.parse(dashboard.config_json).uid,
      );
      expect(dashboards.sort()).toEqual([`wtfb-${environment}-delivery`, `wtfb-${environment}-service`]);
      expect(only(stack, "grafana_rule_group").name).toBe(`wtfb-${environment}`);
      expect(
        Object.values(resourcesOf(stack, "grafana_contact_point"))
          .map((point: any) => point.name)
          .sort(),
      ).toEqual([`wtfb-${environment}-rollback`, `wtfb-${environment}-stakeholders`]);
      expect(only(stack, "grafana_notification_policy").org_id).toBe(
        String(config.environments[environment].monitoring.grafanaOrgId),
      );
      expect(only(stack, "grafana_message_template").name).toBe(`wtfb-${environment}`);
      expect(stack.terraform.required_providers.grafana).toEqual({ source: "grafana/grafana", version: "4.45.1" });
    },
  );

  test("the production rule group holds the 1% error-rate rule, labelled action=rollback", () => {
    const rule = only(synthesized.production, "grafana_rule_group").rule.find(
      (candidate: any) => candidate.name === "ErrorRateHigh",
    );
    // One rule for every application: each series of its query names its application, the rule itself none.
    expect(rule.labels).toEqual({ action: "rollback", environment: "production", severity: "critical" });
    expect(JSON.parse(rule.data.find((data: any) => data.ref_id === "A").model).expr).toMatch(
      /^label_replace\(.*, "application", "\$1", "job", "\(\.\+\)"\)$/,
    );
    expect(rule.annotations.summary).toBe(
      "{{ $labels.application }} in production: more than 1% of requests fail with 5xx",
    );
    expect(rule.for).toBe("5m");
    const threshold = JSON.parse(rule.data.find((data: any) => data.ref_id === "C").model);
    expect(threshold.conditions[0].evaluator).toEqual({ type: "gt", params: [0.01] });
  });

  test("each environment's Prometheus rule file is an artifact under alerts/", () => {
    const files = Object.fromEntries(Artifacts.of(app).entries());
    for (const environment of ENVIRONMENT_NAMES) {
      const rules = parse(files[`alerts/${environment}.rules.yml`]).groups[0].rules;
      expect(rules.map((rule: any) => rule.alert)).toContain("ErrorRateHigh");
      expect(rules.every((rule: any) => rule.labels.environment === environment)).toBe(true);
    }
  });
});

describe("dashboards", () => {
  const config = shippedConfig();
  const { stack } = synthesizeMonitoring(config, "production");
  const dashboards = Object.fromEntries(
    Object.values(resourcesOf(stack, "grafana_dashboard")).map((resource: any) => {
      const dashboard = JSON.parse(resource.config_json);
      return [dashboard.uid, dashboard];
    }),
  );
  const service = dashboards["wtfb-production-service"];
  const delivery = dashboards["wtfb-production-delivery"];

  test.each([
    ["service overview", "wtfb-production-service"],
    ["delivery", "wtfb-production-delivery"],
  ])("the %s dashboard's every query is valid PromQL on the environment's data source", (_name, uid) => {
    const dashboard = dashboards[uid];
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(4);
    for (const [title, expr] of queries) {
      expect([title, promqlProblems(expr)]).toEqual([title, []]);
    }
    for (const panel of dashboard.panels.filter((p: any) => p.targets?.length)) {
      expect(panel.datasource).toEqual({ type: "prometheus", uid: "wtfb-production-prometheus" });
    }
    expect(new Set(dashboard.panels.map((panel: any) => panel.id)).size).toBe(dashboard.panels.length);
  });

  test("the service overview shows request rate, error rate, latency percentiles, saturation and the current version", () => {
    const titles = service.panels.map((panel: any) => panel.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        "Request rate",
        "Error rate (5xx)",
        "Latency",
        "CPU",
        "Memory",
        "Container restarts",
        "Current version",
        "Deployments",
      ]),
    );
    const latency = service.panels.find((panel: any) => panel.title === "Latency");
    expect(latency.targets.map((target: any) => target.legendFormat)).toEqual(["p50", "p95", "p99"]);
    // The error-rate panel draws the rollback threshold of this environment.
    const errorRate = service.panels.find((panel: any) => panel.title === "Error rate (5xx)");
    expect(errorRate.fieldConfig.defaults.thresholds.steps).toContainEqual({ value: 1, color: "red" });
  });

  test("deployments and rollbacks appear as annotations filtered by the tags the workflows write", () => {
    const tags = deploymentAnnotationTags({
      kind: "deployment",
      environment: "production",
      application: "web",
      version: "1.4.0",
      status: "success",
    });
    const deployments = service.annotations.list.find((annotation: any) => annotation.name === "Deployments");
    expect(deployments.datasource.type).toBe("grafana");
    expect(deployments.target).toMatchObject({ type: "tags", matchAny: false });
    // Every tag the annotation query requires is one the deploy workflow writes.
    expect(tags).toEqual(expect.arrayContaining(deployments.target.tags));
    // and it filters by kind and environment, so another environment's deployments stay off this dashboard.
    expect(deployments.target.tags).toEqual(["deployment", "env:production"]);
    const rollbackTags = deploymentAnnotationTags({
      kind: "rollback",
      environment: "production",
      application: "web",
      version: "1.3.9",
      status: "success",
    });
    const rollbacks = delivery.panels.find((panel: any) => panel.title === "Rollbacks and their reasons");
    expect(rollbackTags).toEqual(expect.arrayContaining(rollbacks.options.tags));
    expect(rollbacks.options.tags).toEqual(["rollback", "env:production"]);
  });

  test("the delivery dashboard reads the deployment records the workflows push", () => {
    const exprs = dashboardQueries(delivery)
      .map(([, expr]) => expr)
      .join("\n");
    for (const metric of [
      DEPLOYMENT_METRICS.lastDeployment,
      DEPLOYMENT_METRICS.lastRollback,
      DEPLOYMENT_METRICS.leadTime,
    ]) {
      expect(exprs).toContain(`${metric}{job="${DEPLOYMENT_METRICS.pushgatewayJob}",environment="production"`);
    }
    expect(delivery.panels.map((panel: any) => panel.title)).toEqual(
      expect.arrayContaining(["Deployment frequency", "Success rate", "Rollbacks by reason", "Commit to production"]),
    );
  });
});

describe("contact points and routing", () => {
  test("the rollback webhook dispatches the rollback workflow (Actions write only) with this environment fixed and the version the alert saw", () => {
    // GIVEN / WHEN
    const { stack } = synthesizeMonitoring(shippedConfig(), "production");

    // THEN
    const rollback = Object.values(resourcesOf(stack, "grafana_contact_point")).find(
      (point: any) => point.name === "wtfb-production-rollback",
    ) as any;
    const webhook = rollback.webhook[0];
    expect(webhook).toMatchObject({
      url: `https://api.github.com/repos/wtfb/wtfb-app/actions/workflows/${ROLLBACK_WORKFLOW_FILE}/dispatches`,
      http_method: "POST",
      authorization_scheme: "Bearer",
      authorization_credentials: "${var.rollback_dispatch_token}",
      disable_resolve_message: true,
      payload: {
        template: '{{ template "wtfb-production.rollback-dispatch" . }}',
        vars: { ref: "main", environment: "production" },
      },
    });
    expect(stack.variable.rollback_dispatch_token).toMatchObject({ sensitive: true, nullable: false });
    expect(stack.variable.rollback_dispatch_token.description).toContain("Actions read and write");
    const template = only(stack, "grafana_message_template").template;
    const dispatch =
      /\{\{ define "wtfb-production\.rollback-dispatch" \}\}(.*?)\{\{ end \}\}/.exec(template)?.[1] ?? "";
    // The environment comes from the contact point, never from the alert's labels (another org's alert cannot steer it).
    expect(dispatch).toContain('"environment" .Vars.environment');
    expect(dispatch).not.toContain(".CommonLabels.environment");
    expect(dispatch).toContain('"ref" .Vars.ref');
    // Every input the body sets is one the rollback workflow declares.
    const inputs = Object.keys(rollbackWorkflow(shippedConfig()).on.workflowDispatch?.inputs ?? {});
    const sent = [...dispatch.matchAll(/"([a-z-]+)" (?:\.|\(or)/g)]
      .map((match) => match[1])
      .filter((name) => name !== "ref" && name !== "inputs");
    expect(sent.sort()).toEqual(["alertname", "application", "environment", "reason", "seen-version"]);
    for (const name of sent) expect(inputs).toContain(name);
    expect(dispatch).toContain("| data.ToJSON");
  });

  test("the message template gives people the environment, the version and the dashboard link", () => {
    const { stack } = synthesizeMonitoring(shippedConfig(), "staging");
    const template = only(stack, "grafana_message_template").template;
    expect(template).toContain("Environment: {{ .Labels.environment }}");
    expect(template).toContain('Version: {{ or .Labels.version "unknown" }}');
    expect(template).toContain("Dashboard: {{ .Annotations.dashboard }}");
    const rules = only(stack, "grafana_rule_group").rule;
    expect(rules.length).toBeGreaterThan(0);
    expect(
      rules.every((rule: any) => rule.annotations.dashboard === "https://grafana.wtfb.example/d/wtfb-staging-service"),
    ).toBe(true);
  });

  test("the notification policy sends action=rollback to the webhook (never Grafana's own error alerts) and routes by severity", () => {
    const { stack } = synthesizeMonitoring(shippedConfig(), "production");
    const policy = only(stack, "grafana_notification_policy");
    const points = resourcesOf(stack, "grafana_contact_point");
    const nameOf = (reference: string) =>
      points[/^\$\{grafana_contact_point\.([^.]+)\.name\}$/.exec(reference)![1]].name;
    expect(nameOf(policy.contact_point)).toBe("wtfb-production-stakeholders");
    const [rollback, critical, warning] = policy.policy;
    expect(nameOf(rollback.contact_point)).toBe("wtfb-production-rollback");
    expect(rollback.matcher).toEqual([
      { label: "action", match: "=", value: "rollback" },
      { label: "alertname", match: "!~", value: "DatasourceError|DatasourceNoData" },
    ]);
    expect(rollback.continue).toBe(true);
    expect(rollback.group_by).toEqual(expect.arrayContaining(["alertname", "environment", "application"]));
    expect(critical.matcher).toEqual([{ label: "severity", match: "=", value: "critical" }]);
    expect(warning.matcher).toEqual([{ label: "severity", match: "=", value: "warning" }]);
    expect([critical, warning].map((route) => nameOf(route.contact_point))).toEqual([
      "wtfb-production-stakeholders",
      "wtfb-production-stakeholders",
    ]);
  });

  test("a Slack stakeholder contact point takes its URL from a sensitive variable, never the config", () => {
    const config = shippedConfig((raw) => {
      raw.monitoring.stakeholders = { type: "slack", channel: "#releases" };
    });
    const { stack } = synthesizeMonitoring(config, "development");
    const stakeholders = Object.values(resourcesOf(stack, "grafana_contact_point")).find(
      (point: any) => point.name === "wtfb-development-stakeholders",
    ) as any;
    expect(stakeholders.slack[0]).toMatchObject({ url: "${var.slack_webhook_url}", recipient: "#releases" });
    expect(stack.variable.slack_webhook_url).toMatchObject({ sensitive: true });
  });

  test("each environment stack's Grafana provider reads its own stack's required sensitive variable: one token per organization", () => {
    // GIVEN three environments in three Grafana organizations of one Grafana
    const config = shippedConfig();
    const app = Testing.app();
    const stacks = addPipelineStacks(app, config).environments.map(
      (stack) => [stack.node.id, JSON.parse(Testing.synth(stack))] as const,
    );

    // THEN each provider takes its credentials from its own stack's variable, which has no default: no fallback to
    // one shared GRAFANA_AUTH (a service-account token of another organization gets 401 api-key.organization-mismatch)
    expect(stacks.map(([name]) => name)).toEqual(["development", "staging", "production"]);
    for (const [environment, stack] of stacks) {
      const orgId = config.environments[environment as EnvironmentName].monitoring.grafanaOrgId;
      expect(stack.provider.grafana).toEqual([{ url: "https://grafana.wtfb.example", auth: "${var.grafana_auth}" }]);
      expect(stack.variable.grafana_auth).toMatchObject({ type: "string", sensitive: true, nullable: false });
      expect("default" in stack.variable.grafana_auth).toBe(false);
      expect(stack.variable.grafana_auth.description).toContain(`${environment} (Grafana organization ${orgId})`);
      expect(stack.variable.grafana_auth.description).toContain("TF_VAR_grafana_auth");
      expect(stack.variable.grafana_auth.description).toContain(`the ${environment} environment's secret GRAFANA_AUTH`);
      expect(stack.variable.grafana_auth.description).not.toMatch(/leave it unset|export GRAFANA_AUTH/);
    }
  });

  test("an environment's own Grafana URL and organization reach its provider, links and resources", () => {
    const config = shippedConfig((raw) => {
      raw.environments.development.monitoring.grafanaUrl = "https://grafana.dev.wtfb.example/";
    });
    const { stack } = synthesizeMonitoring(config, "development");
    expect(stack.provider.grafana[0].url).toBe("https://grafana.dev.wtfb.example");
    expect(only(stack, "grafana_rule_group").rule[0].annotations.dashboard).toBe(
      "https://grafana.dev.wtfb.example/d/wtfb-development-service",
    );
    expect(only(stack, "grafana_folder").org_id).toBe("2");
  });
});
