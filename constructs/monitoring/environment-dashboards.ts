/**
 * The two dashboards of an environment, built with the foundation SDK and rendered to the JSON that
 * `grafana_dashboard.config_json` takes: the service overview (SOP §4.3: error rates and performance after a
 * deployment) and delivery (SOP §8.2: deployment frequency, success rate, rollbacks and their reasons).
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import type { MetricNames } from "../../config/monitoring-schema";
import type { AlertRule, AlertSettings } from "./alert-model";
import {
  alertPanels,
  deliveryPanels,
  saturationPanels,
  taggedAnnotations,
  trafficPanels,
  versionPanels,
  type Panel,
} from "./dashboard-panels";
import { dataSourceUid, deliveryDashboardUid, serviceDashboardUid } from "./names";

export interface EnvironmentDashboardsInput {
  readonly environment: string;
  readonly applications: ReadonlyArray<{ readonly name: string; readonly cpus: number; readonly memoryMb: number }>;
  readonly metrics: MetricNames;
  readonly monitoring: AlertSettings;
  /** The environment's alerts: the service overview shows each one's query in a panel of its own. */
  readonly alerts: readonly AlertRule[];
}

/** `config_json` of each dashboard. */
export interface EnvironmentDashboards {
  readonly serviceOverview: string;
  readonly delivery: string;
  /** Id of the service-overview panel showing each alert's query, by alert name. */
  readonly alertPanelIds: Readonly<Record<string, number>>;
}

/** Rendered dashboards by input: an app (or a test suite) builds each distinct environment once. */
const rendered = new Map<string, EnvironmentDashboards>();

export function environmentDashboards(input: EnvironmentDashboardsInput): EnvironmentDashboards {
  const key = JSON.stringify(input);
  let dashboards = rendered.get(key);
  if (!dashboards) {
    dashboards = { ...serviceOverview(input), delivery: delivery(input) };
    rendered.set(key, dashboards);
  }
  return dashboards;
}

function baseDashboard(
  environment: string,
  uid: string,
  title: string,
  other: { uid: string; title: string },
): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(`WTFB ${environment} · ${title}`)
    .uid(uid)
    .tags(["wtfb", environment])
    .editable()
    .time({ from: "now-6h", to: "now" })
    .refresh("1m")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder(other.title)
        .type(dashboard.DashboardLinkType.Link)
        .url(`/d/${other.uid}`)
        .keepTime(true)
        .icon("dashboard"),
    )
    .annotation(taggedAnnotations("Deployments", ["deployment", `env:${environment}`], "blue"))
    .annotation(taggedAnnotations("Rollbacks", ["rollback", `env:${environment}`], "red"));
}

/** Numbers panels 1, 2, … in order (the same on every synth); alert rules refer to panels by id. */
function render(builder: dashboard.DashboardBuilder): { json: string; panelIds: number[] } {
  const built = builder.build();
  const panels = (built.panels ?? []) as Array<{ id?: number }>;
  panels.forEach((panel, index) => {
    panel.id = index + 1;
  });
  return { json: JSON.stringify(built), panelIds: panels.map((panel) => panel.id!) };
}

function serviceOverview(
  input: EnvironmentDashboardsInput,
): Pick<EnvironmentDashboards, "serviceOverview" | "alertPanelIds"> {
  const { environment } = input;
  const dataSource = { type: "prometheus", uid: dataSourceUid(environment) };
  const builder = baseDashboard(environment, serviceDashboardUid(environment), "service overview", {
    uid: deliveryDashboardUid(environment),
    title: "Delivery",
  }).description(
    `Traffic, errors, latency and saturation of every application in ${environment}, with deployments and rollbacks as annotations.`,
  );
  // The alerts first: their panels are what an alert links to, and their ids do not move when applications change.
  builder.withRow(new dashboard.RowBuilder("Alerts"));
  for (const panel of alertPanels({ alerts: input.alerts, dataSource })) builder.withPanel(panel);
  for (const application of input.applications) {
    const context = { environment, application, metrics: input.metrics, monitoring: input.monitoring, dataSource };
    builder.withRow(new dashboard.RowBuilder(application.name));
    const panels: Panel[] = [...versionPanels(context), ...trafficPanels(context), ...saturationPanels(context)];
    for (const panel of panels) builder.withPanel(panel);
  }
  const { json, panelIds } = render(builder);
  // Panel 0 is the Alerts row; alert i is panel i + 1.
  return {
    serviceOverview: json,
    alertPanelIds: Object.fromEntries(input.alerts.map((alert, index) => [alert.name, panelIds[index + 1]])),
  };
}

function delivery(input: EnvironmentDashboardsInput): string {
  const { environment } = input;
  const builder = baseDashboard(environment, deliveryDashboardUid(environment), "delivery", {
    uid: serviceDashboardUid(environment),
    title: "Service overview",
  })
    .description(
      `Deployment frequency, success rate, rollbacks and their reasons, and commit-to-deployment time in ${environment}, from the records the deploy and rollback workflows push.`,
    )
    .time({ from: "now-30d", to: "now" })
    .refresh("5m");
  for (const panel of deliveryPanels({
    environment,
    dataSource: { type: "prometheus", uid: dataSourceUid(environment) },
  }))
    builder.withPanel(panel);
  return render(builder).json;
}
