import { Construct } from "constructs";
import type { DataSource } from "../../gen/providers/grafana/data-source";
import type { Folder } from "../../gen/providers/grafana/folder";
import { RuleGroup } from "../../gen/providers/grafana/rule-group";
import { Artifacts } from "../artifacts";
import type { AlertRule } from "./alert-model";
import { grafanaRule } from "./grafana-rules";
import { ruleGroupName } from "./names";
import { renderPrometheusRules } from "./prometheus-rules";

/** Where each rule's signal is shown: a dashboard and, per rule name, the id of its panel there. */
export interface AlertDashboardPanels {
  /** Uid of the dashboard. */
  readonly dashboardUid: string;
  /** Panel id by rule name; ids are the `id` of panels in that dashboard's JSON. */
  readonly panelIds: Readonly<Record<string, number>>;
}

export interface AlertRulesProps {
  /** The environment the alerts watch. */
  readonly environment: string;
  /** The alerts (see `environmentAlerts`). */
  readonly rules: readonly AlertRule[];
  /** Folder holding the rule group. */
  readonly folder: Folder;
  /** Prometheus data source the queries run on. */
  readonly dataSource: DataSource;
  /**
   * The dashboard panel showing each rule's query, by rule name; every rule then links to its panel.
   * @default - the rules link no panel
   */
  readonly dashboardPanels?: AlertDashboardPanels;
  /** Duration replacing Grafana's `$__rate_interval` in the Prometheus rule file, e.g. 1m. */
  readonly rateWindow: string;
  /** Seconds between evaluations of the rule group. @default 60 */
  readonly evaluationIntervalSeconds?: number;
  /** Grafana organization. @default - the organization of the provider's credentials */
  readonly orgId?: string;
}

/**
 * An environment's alerts, rendered twice from one model: a Grafana-managed rule group (query → reduce →
 * threshold) and the Prometheus rule file `alerts/<environment>.rules.yml` in the stack's artifact directory.
 */
export class AlertRules extends Construct {
  /** The `grafana_rule_group` resource. */
  public readonly ruleGroup: RuleGroup;
  /** Path of the Prometheus rule file, relative to the output directory. */
  public readonly ruleFilePath: string;

  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    super(scope, id);
    if (props.rules.length === 0)
      throw new Error(
        `AlertRules: ${props.environment} has no alerts; a rule group needs at least one (is applications empty?)`,
      );
    const panels = props.dashboardPanels;
    const panelOf = (rule: AlertRule) => {
      if (!panels) return undefined;
      const panelId = panels.panelIds[rule.name];
      // Grafana takes a dashboard link only with its panel: a rule without one would fail the whole group at apply.
      if (!Number.isInteger(panelId) || panelId < 1) {
        throw new Error(
          `AlertRules: rule ${rule.name} of ${props.environment} has no panel in dashboard ${panels.dashboardUid}; give dashboardPanels.panelIds a panel id for every rule, or leave dashboardPanels out`,
        );
      }
      return { dashboardUid: panels.dashboardUid, panelId };
    };
    this.ruleGroup = new RuleGroup(this, "rule-group", {
      name: ruleGroupName(props.environment),
      folderUid: props.folder.uid,
      intervalSeconds: props.evaluationIntervalSeconds ?? 60,
      orgId: props.orgId,
      rule: props.rules.map((rule) =>
        grafanaRule(rule, {
          environment: props.environment,
          dataSourceUid: props.dataSource.uid,
          panel: panelOf(rule),
        }),
      ),
    });
    this.ruleFilePath = Artifacts.of(this).add(
      `alerts/${props.environment}.rules.yml`,
      renderPrometheusRules({ environment: props.environment, rules: props.rules, rateWindow: props.rateWindow }),
    );
  }
}
