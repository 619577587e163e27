/**
 * Names and uids of one environment's Grafana objects, derived from the environment alone so dashboards, rules
 * and contact points can refer to each other at synth, before any of them exists.
 */

/** Uid of the environment's folder, holding its dashboards and rule group. */
export function folderUid(environment: string): string {
  return `wtfb-${environment}`;
}

/** Uid of the environment's Prometheus data source. */
export function dataSourceUid(environment: string): string {
  return `wtfb-${environment}-prometheus`;
}

/** Uid of the service-overview dashboard. */
export function serviceDashboardUid(environment: string): string {
  return `wtfb-${environment}-service`;
}

/** Uid of the delivery dashboard. */
export function deliveryDashboardUid(environment: string): string {
  return `wtfb-${environment}-delivery`;
}

/** Link to a dashboard, for alert annotations and notifications. */
export function dashboardUrl(grafanaUrl: string, uid: string): string {
  return `${grafanaUrl.replace(/\/+$/, "")}/d/${uid}`;
}

/** Name of the Grafana message template group; every template it defines is prefixed with it. */
export function messageTemplateName(environment: string): string {
  return `wtfb-${environment}`;
}

/** Name of the contact point that starts the rollback workflow. */
export function rollbackContactPointName(environment: string): string {
  return `wtfb-${environment}-rollback`;
}

/** Name of the stakeholder contact point. */
export function stakeholderContactPointName(environment: string): string {
  return `wtfb-${environment}-stakeholders`;
}

/** Name of the rule group (Grafana) and of the rule file's group (Prometheus). */
export function ruleGroupName(environment: string): string {
  return `wtfb-${environment}`;
}

/** A Prometheus duration for a number of seconds: 60 → 1m, 90 → 90s, 7200 → 2h. */
export function promDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
