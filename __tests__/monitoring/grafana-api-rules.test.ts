/**
 * The rules Grafana's API and the Grafana provider enforce on what the environment stacks write. The provider
 * (grafana/terraform-provider-grafana v4.45.1) checks little at plan time: most of these are only enforced by
 * Grafana when the apply sends them, where the provider retries a rejected rule group for two minutes and fails.
 * Each rule cites its source; attribute names come from the published provider schema (../shared/schemas).
 */
import { Testing } from "cdktf";
import type { PipelineConfig } from "../../config/types";
import { addPipelineStacks } from "../../stacks/pipeline";
import { resourcesOf, shippedConfig } from "../helpers";

/** The environment stacks of a config, synthesized: stack name → parsed cdk.tf.json. */
function environmentStacks(config: PipelineConfig): Record<string, any> {
  const app = Testing.app();
  const { environments } = addPipelineStacks(app, config);
  return Object.fromEntries(environments.map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack))]));
}

/** Three applications, a flow probe and extra alerts in every environment: every kind of rule the model makes. */
function richConfig(): PipelineConfig {
  return shippedConfig((raw) => {
    const template = raw.applications[0];
    raw.applications = [template, ...["api", "worker"].map((name, index) => ({ ...template, name, image: `ghcr.io/wtfb/${name}`, hostPort: 9000 + index }))];
    for (const environment of ["development", "staging", "production"]) {
      const monitoring = (raw.environments[environment].monitoring ??= {});
      monitoring.criticalFlowProbes = [{ name: "signup", expr: 'probe_success{job="blackbox",instance="https://wtfb.example/signup"}', application: "api" }];
      monitoring.extraAlerts = [
        { name: "QueueBacklog", expr: "sum(jobs_waiting)", threshold: 100, application: "worker" },
        { name: "SignupsStalled", expr: "sum(rate(signups_total[$__rate_interval]))", comparator: "below", threshold: 0.1, rollback: true, application: "api" },
      ];
    }
  });
}

const CONFIGS: Array<[string, () => PipelineConfig]> = [
  ["the shipped config", () => shippedConfig()],
  ["three applications with probes and extra alerts", richConfig],
];
const SYNTHESIZED = CONFIGS.map(([name, config]) => [name, environmentStacks(config())] as const);

/** Every (config, stack, rule) of every rule group. */
function allRules(): Array<{ where: string; stack: any; group: any; rule: any }> {
  return SYNTHESIZED.flatMap(([configName, stacks]) =>
    Object.entries(stacks).flatMap(([stackName, stack]) =>
      Object.values(resourcesOf(stack, "grafana_rule_group")).flatMap((group: any) =>
        group.rule.map((rule: any) => ({ where: `${configName} / ${stackName} / ${rule.name}`, stack, group, rule })),
      ),
    ),
  );
}

/** The dashboards of a stack by uid (the uid is inside config_json). */
function dashboardsByUid(stack: any): Record<string, any> {
  return Object.fromEntries(Object.values(resourcesOf(stack, "grafana_dashboard")).map((resource: any) => [JSON.parse(resource.config_json).uid, JSON.parse(resource.config_json)]));
}

describe("alert rules Grafana accepts", () => {
  test("every rule links a dashboard panel with both __dashboardUid__ and __panelId__, never one alone", () => {
    // Grafana refuses a rule with one of the two ("both annotations __dashboardUid__ and __panelId__ must be
    // specified"): grafana/grafana pkg/services/ngalert/models/alert_rule.go, SetDashboardAndPanelFromAnnotations,
    // called for every rule of a provisioned group by pkg/services/ngalert/provisioning/alert_rules.go (calcDelta)
    // and by the ruler API, pkg/services/ngalert/api/validation/api_ruler_validation.go (ValidateRuleNode).
    const rules = allRules();
    expect(rules.length).toBeGreaterThan(20);
    for (const { where, rule } of rules) {
      const annotations = rule.annotations ?? {};
      expect([where, "__dashboardUid__" in annotations]).toEqual([where, "__panelId__" in annotations]);
      // The same function parses the panel id as a base-10 int64 ("must be a valid integer Panel ID").
      if ("__panelId__" in annotations) expect([where, annotations.__panelId__]).toEqual([where, expect.stringMatching(/^[1-9][0-9]*$/)]);
    }
  });

  test("the linked panel exists in that dashboard's JSON, in the same stack, and shows the rule's own query", () => {
    for (const { where, stack, rule } of allRules()) {
      const dashboard = dashboardsByUid(stack)[rule.annotations.__dashboardUid__];
      expect([where, dashboard === undefined]).toEqual([where, false]);
      const panels = dashboard.panels.filter((panel: any) => String(panel.id) === rule.annotations.__panelId__);
      expect([where, panels.length]).toEqual([where, 1]);
      const query = JSON.parse(rule.data.find((data: any) => data.ref_id === "A").model).expr;
      expect([where, panels[0].targets.map((target: any) => target.expr)]).toEqual([where, [query]]);
    }
  });

  test("panel ids are unique in each dashboard and the same on every synth", () => {
    const again = environmentStacks(richConfig());
    const [, first] = SYNTHESIZED[1];
    for (const [stackName, stack] of Object.entries(first)) {
      for (const [uid, dashboard] of Object.entries(dashboardsByUid(stack))) {
        const ids = dashboard.panels.map((panel: any) => panel.id);
        expect([uid, new Set(ids).size]).toEqual([uid, ids.length]);
        expect(dashboardsByUid(again[stackName])[uid].panels.map((panel: any) => [panel.id, panel.title])).toEqual(dashboard.panels.map((panel: any) => [panel.id, panel.title]));
      }
    }
  });
});
