/**
 * Renders an alert as a Grafana-managed rule: query (A) → reduce to the last value (B) → threshold (C).
 * Same model as the Prometheus rule file; only the shape differs.
 */
import type { RuleGroupRule, RuleGroupRuleData } from "../../gen/providers/grafana/rule-group";
import { alertAnnotations, alertLabels, type AlertRule } from "./alert-model";

/** Grafana's uid for server-side expressions (reduce, threshold). */
const EXPRESSION_DATASOURCE_UID = "__expr__";

/** Seconds of data the query sees; longer than any range the alert queries use inside their expression. */
const QUERY_LOOKBACK_SECONDS = 600;

export interface GrafanaRuleOptions {
  readonly environment: string;
  /** Uid of the Prometheus data source the query runs on. */
  readonly dataSourceUid: string;
  /** Dashboard panel the rule links to (Grafana shows it beside the alert and fills `.DashboardURL` and `.PanelURL`). @default - none */
  readonly panel?: { readonly dashboardUid: string; readonly panelId: number };
}

/** One `rule` block of `grafana_rule_group`. */
export function grafanaRule(rule: AlertRule, options: GrafanaRuleOptions): RuleGroupRule {
  const data: RuleGroupRuleData[] = [
    {
      refId: "A",
      datasourceUid: options.dataSourceUid,
      relativeTimeRange: { from: QUERY_LOOKBACK_SECONDS, to: 0 },
      model: JSON.stringify({
        refId: "A",
        expr: rule.query,
        instant: true,
        range: false,
        editorMode: "code",
        intervalMs: 1000,
        maxDataPoints: 43200,
      }),
    },
    {
      refId: "B",
      datasourceUid: EXPRESSION_DATASOURCE_UID,
      relativeTimeRange: { from: 0, to: 0 },
      model: JSON.stringify({
        refId: "B",
        type: "reduce",
        expression: "A",
        reducer: "last",
        settings: { mode: "dropNN" },
      }),
    },
    {
      refId: "C",
      datasourceUid: EXPRESSION_DATASOURCE_UID,
      relativeTimeRange: { from: 0, to: 0 },
      model: JSON.stringify({
        refId: "C",
        type: "threshold",
        expression: "B",
        conditions: [{ evaluator: { type: rule.comparator === "above" ? "gt" : "lt", params: [rule.threshold] } }],
      }),
    },
  ];
  return {
    name: rule.name,
    condition: "C",
    for: `${rule.forMinutes}m`,
    noDataState: rule.noData,
    // A query error is shown as an error alert; the rollback route does not take it (see alert-routing.ts).
    execErrState: "Error",
    labels: alertLabels(rule, options.environment),
    // Both or neither: Grafana refuses a rule with one of them ("both annotations __dashboardUid__ and __panelId__ must
    // be specified", grafana/grafana pkg/services/ngalert/models/alert_rule.go SetDashboardAndPanelFromAnnotations,
    // run on every rule of a provisioned group by pkg/services/ngalert/provisioning/alert_rules.go, and by the ruler
    // API's pkg/services/ngalert/api/validation/api_ruler_validation.go ValidateRuleNode); __panelId__ must parse as
    // an integer.
    annotations: {
      ...alertAnnotations(rule),
      ...(options.panel
        ? { __dashboardUid__: options.panel.dashboardUid, __panelId__: String(options.panel.panelId) }
        : {}),
    },
    data,
  };
}
