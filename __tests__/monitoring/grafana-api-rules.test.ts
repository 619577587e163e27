/**
 * The rules Grafana's API and the Grafana provider enforce on what the environment stacks write. The provider
 * (grafana/terraform-provider-grafana v4.45.1) checks little at plan time: most of these are only enforced by
 * Grafana when the apply sends them, where the provider retries a rejected rule group for two minutes and fails.
 * Each rule cites its source; attribute names come from the published provider schema (../shared/schemas).
 */
import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";
import type { PipelineConfig } from "../../config/types";
import { addPipelineStacks } from "../../stacks/pipeline";
import { PROJECT_ROOT, describeWhen, resourcesOf, shippedConfig } from "../helpers";

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
    raw.applications = [
      template,
      ...["api", "worker"].map((name, index) => ({
        ...template,
        name,
        image: `ghcr.io/wtfb/${name}`,
        hostPort: 9000 + index,
      })),
    ];
    for (const environment of ["development", "staging", "production"]) {
      const monitoring = (raw.environments[environment].monitoring ??= {});
      monitoring.criticalFlowProbes = [
        {
          name: "signup",
          expr: 'probe_success{job="blackbox",instance="https://wtfb.example/signup"}',
          application: "api",
        },
      ];
      monitoring.extraAlerts = [
        { name: "QueueBacklog", expr: "sum(jobs_waiting)", threshold: 100, application: "worker" },
        {
          name: "SignupsStalled",
          expr: "sum(rate(signups_total[$__rate_interval]))",
          comparator: "below",
          threshold: 0.1,
          rollback: true,
          application: "api",
        },
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
  return Object.fromEntries(
    Object.values(resourcesOf(stack, "grafana_dashboard")).map((resource: any) => [
      JSON.parse(resource.config_json).uid,
      JSON.parse(resource.config_json),
    ]),
  );
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
      if ("__panelId__" in annotations)
        expect([where, annotations.__panelId__]).toEqual([where, expect.stringMatching(/^[1-9][0-9]*$/)]);
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
        expect(dashboardsByUid(again[stackName])[uid].panels.map((panel: any) => [panel.id, panel.title])).toEqual(
          dashboard.panels.map((panel: any) => [panel.id, panel.title]),
        );
      }
    }
  });
});

/** A Prometheus duration (github.com/prometheus/common/model ParseDuration), what Grafana's routes and rules take. */
const PROMETHEUS_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

function seconds(duration: string): number {
  const match = PROMETHEUS_DURATION.exec(duration);
  if (!match || duration === "") throw new Error(`${JSON.stringify(duration)} is not a Prometheus duration`);
  const [, y, w, d, h, m, s, ms] = match.map((part) => Number(part ?? 0));
  return (((y * 365 + w * 7 + d) * 24 + h) * 60 + m) * 60 + s + ms / 1000;
}

/** Every resource of one type in every synthesized environment stack, with where it is. */
function allOf(type: string): Array<{ where: string; resource: any }> {
  return SYNTHESIZED.flatMap(([configName, stacks]) =>
    Object.entries(stacks).flatMap(([stackName, stack]) =>
      Object.entries(resourcesOf(stack, type)).map(([id, resource]) => ({
        where: `${configName} / ${stackName} / ${id}`,
        resource,
      })),
    ),
  );
}

describe("the other rules Grafana enforces on rule groups", () => {
  test("no_data_state and exec_err_state are states Grafana knows", () => {
    // grafana/grafana pkg/services/ngalert/models/alert_rule.go: NoDataStateFromString (Alerting, NoData, OK,
    // KeepLast) and ErrStateFromString (Alerting, Error, OK, KeepLast), called by validateAlertRuleFields.
    for (const { where, rule } of allRules()) {
      expect([where, rule.no_data_state]).toEqual([where, expect.stringMatching(/^(Alerting|NoData|OK|KeepLast)$/)]);
      expect([where, rule.exec_err_state]).toEqual([where, expect.stringMatching(/^(Alerting|Error|OK|KeepLast)$/)]);
    }
  });

  test("`for` is a duration of zero or more, and the condition names one of the rule's uniquely named queries", () => {
    // The provider parses `for` with strfmt.ParseDuration (internal/common/schema.go ValidateDurationWithDays);
    // Grafana refuses a negative one ("field `for` cannot be negative", models/alert_rule.go ValidateAlertRule) and a
    // condition or ref_id that does not resolve (api/validation/api_ruler_validation.go ValidateCondition).
    for (const { where, rule } of allRules()) {
      expect([where, seconds(rule.for) >= 0]).toEqual([where, true]);
      const refIds = rule.data.map((data: any) => data.ref_id);
      expect([where, new Set(refIds).size]).toEqual([where, refIds.length]);
      expect([where, refIds]).toEqual([where, expect.arrayContaining([rule.condition])]);
      // The provider refuses a model that is not JSON (validation.StringIsJSON on data.model).
      for (const data of rule.data) expect(() => JSON.parse(data.model)).not.toThrow();
    }
  });

  test("titles are non-empty, at most 190 characters and unique in their folder; group names too; the interval is a multiple of 10 s", () => {
    // pkg/services/ngalert/api/validation/api_ruler_validation.go: "alert rule title cannot be empty", titles and group
    // names at most AlertRuleMaxTitleLength / AlertRuleMaxRuleGroupNameLength (190); a title is unique per
    // organisation and folder (ErrAlertRuleUniqueConstraintViolation, models/alert_rule.go); the group interval must be
    // a positive multiple of the scheduler's base interval (models.ValidateRuleGroupInterval; SchedulerBaseInterval
    // = 10 s, pkg/setting/setting_unified_alerting.go).
    const titlesByFolder = new Map<string, string[]>();
    for (const { where, group, rule } of allRules()) {
      expect([where, rule.name.length > 0 && rule.name.length <= 190]).toEqual([where, true]);
      expect([where, group.name.length > 0 && group.name.length <= 190]).toEqual([where, true]);
      expect([where, group.interval_seconds > 0 && group.interval_seconds % 10 === 0]).toEqual([where, true]);
      const key = `${where.split(" / ").slice(0, 2).join(" / ")} / ${group.folder_uid}`;
      titlesByFolder.set(key, [...(titlesByFolder.get(key) ?? []), rule.name]);
    }
    for (const [folder, titles] of titlesByFolder)
      expect([folder, titles.filter((title, index) => titles.indexOf(title) !== index)]).toEqual([folder, []]);
  });

  test("rule labels avoid the keys Grafana reserves, and every uid the stacks choose is a valid Grafana uid", () => {
    // Reserved labels: models.LabelsUserCannotSpecify (models/alert_rule.go). Uids: at most 40 letters, digits, - and _
    // (pkg/util/shortid_generator.go ValidateUID, MaxUIDLength = 40); the provider checks folder uids the same way
    // (internal/resources/grafana/resource_folder.go folderUIDValidation).
    for (const { where, rule } of allRules()) {
      for (const key of Object.keys(rule.labels)) {
        expect([where, key]).toEqual([
          where,
          expect.not.stringMatching(
            /^(__grafana_autogenerated__|__grafana_receiver__|__grafana_route_settings_hash__)$/,
          ),
        ]);
        expect([where, key]).toEqual([where, expect.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]*$/)]);
      }
    }
    const uids = [
      ...allOf("grafana_folder").map(({ where, resource }) => [where, resource.uid]),
      ...allOf("grafana_data_source").map(({ where, resource }) => [where, resource.uid]),
      ...allOf("grafana_dashboard").map(({ where, resource }) => [where, JSON.parse(resource.config_json).uid]),
    ];
    expect(uids.length).toBeGreaterThan(10);
    for (const [where, uid] of uids)
      expect([where, uid]).toEqual([where, expect.stringMatching(/^[a-zA-Z0-9_-]{1,40}$/)]);
  });
});

describe("contact points and the notification policy Grafana accepts", () => {
  test("the rollback webhook uses a method Grafana offers, headers it allows, and one kind of authentication", () => {
    // grafana/alerting receivers/webhook/v1/config.go: httpMethod POST or PUT; custom headers may not be one of
    // restrictedHeaders ("custom headers %q are not allowed"); basic auth and an Authorization header together are
    // refused ("both HTTP Basic Authentication and Authorization Header are set").
    const restricted = [
      "Host",
      "Accept-Encoding",
      "Accept-Charset",
      "Content-Encoding",
      "Content-Length",
      "Authorization",
      "User-Agent",
      "Transfer-Encoding",
      "Connection",
      "Upgrade",
      "Trailer",
      "Te",
      "Proxy-Authorization",
      "Proxy-Authenticate",
      "Cookie",
      "Set-Cookie",
      "Referer",
      "Origin",
      "X-Forwarded-For",
      "X-Real-Ip",
      "Via",
      "Forwarded",
      "Expect",
      "Keep-Alive",
      "Date",
      "Max-Forwards",
    ].map((header) => header.toLowerCase());
    const webhooks = allOf("grafana_contact_point").flatMap(({ where, resource }) =>
      (resource.webhook ?? []).map((webhook: any) => ({ where, webhook })),
    );
    expect(webhooks.length).toBeGreaterThanOrEqual(6);
    for (const { where, webhook } of webhooks) {
      expect([where, webhook.http_method]).toEqual([where, expect.stringMatching(/^(POST|PUT)$/)]);
      for (const header of Object.keys(webhook.headers ?? {}))
        expect([where, restricted.includes(header.toLowerCase())]).toEqual([where, false]);
      expect([where, webhook.basic_auth_user !== undefined && webhook.authorization_credentials !== undefined]).toEqual(
        [where, false],
      );
    }
  });

  test("the policy tree: a root with a contact point and no matchers, operators Grafana knows, group_by without duplicates, non-zero intervals", () => {
    // Root and child rules: grafana/grafana pkg/services/ngalert/api/tooling/definitions/alertmanager_validation.go
    // (Route.Validate, validateChild: "root route must specify a default receiver", "duplicated label %q in group_by",
    // "cannot have wildcard group_by (`...`) and other labels", "group_interval cannot be zero", "repeat_interval
    // cannot be zero"); the durations are Prometheus durations (model.Duration). Matcher operators: the provider's
    // StringInSlice("=", "!=", "=~", "!~") (internal/resources/grafana/resource_alerting_notification_policy.go).
    const policies = allOf("grafana_notification_policy");
    expect(policies.length).toBe(6);
    const checkRoute = (where: string, route: any, root: boolean) => {
      if (root) {
        expect([where, typeof route.contact_point]).toEqual([where, "string"]);
        expect([where, route.matcher]).toEqual([where, undefined]);
      }
      const groupBy: string[] = route.group_by ?? [];
      expect([where, new Set(groupBy).size]).toEqual([where, groupBy.length]);
      expect([where, groupBy.includes("...") && groupBy.length > 1]).toEqual([where, false]);
      for (const key of ["group_wait", "group_interval", "repeat_interval"]) {
        if (route[key] !== undefined)
          expect([where, key, PROMETHEUS_DURATION.test(route[key])]).toEqual([where, key, true]);
      }
      for (const key of ["group_interval", "repeat_interval"])
        if (route[key] !== undefined) expect([where, key, seconds(route[key]) > 0]).toEqual([where, key, true]);
      for (const matcher of route.matcher ?? [])
        expect([where, matcher.match]).toEqual([where, expect.stringMatching(/^(=|!=|=~|!~)$/)]);
      for (const child of route.policy ?? []) checkRoute(where, child, false);
    };
    for (const { where, resource } of policies) checkRoute(where, resource, true);
  });
});

/** The provider schema lives beside the project (not copied into it). */
const SCHEMA = path.resolve(PROJECT_ROOT, "../shared/schemas/grafana-provider.schema.json");
const describeWithSchema = describeWhen(
  fs.existsSync(SCHEMA),
  `the Grafana attributes are not checked against the provider schema: ${SCHEMA} is missing (the project's shared/ folder belongs beside the clone)`,
);

describeWithSchema("the Grafana provider's schema (v4.45.1)", () => {
  const provider = fs.existsSync(SCHEMA)
    ? (Object.values(JSON.parse(fs.readFileSync(SCHEMA, "utf8")).provider_schemas)[0] as any)
    : undefined;

  /** Problems of a written block against its schema block: unknown attributes and blocks, missing required attributes. */
  function problems(where: string, written: Record<string, unknown>, block: any): string[] {
    const found: string[] = [];
    const meta = ["count", "for_each", "depends_on", "lifecycle", "provider", "connection", "provisioner"];
    for (const [key, value] of Object.entries(written)) {
      if (meta.includes(key)) continue;
      if (block.attributes?.[key]) continue;
      const nested = block.block_types?.[key];
      if (!nested) {
        found.push(`${where}: ${key} is neither an attribute nor a block of the schema`);
        continue;
      }
      const items = Array.isArray(value) ? value : [value];
      items.forEach((item, index) =>
        found.push(...problems(`${where}.${key}[${index}]`, item as Record<string, unknown>, nested.block)),
      );
    }
    for (const [key, attribute] of Object.entries<any>(block.attributes ?? {})) {
      if (attribute.required && !(key in written)) found.push(`${where}: required attribute ${key} is missing`);
    }
    return found;
  }

  test("every Grafana resource and the provider block write only attributes and blocks the schema has, and every required one", () => {
    const found: string[] = [];
    let count = 0;
    for (const [configName, stacks] of SYNTHESIZED) {
      for (const [stackName, stack] of Object.entries(stacks)) {
        for (const [type, resources] of Object.entries<Record<string, any>>(stack.resource ?? {})) {
          if (!type.startsWith("grafana_")) continue;
          const schema = provider.resource_schemas[type];
          expect([type, schema === undefined]).toEqual([type, false]);
          for (const [id, resource] of Object.entries(resources)) {
            count++;
            found.push(...problems(`${configName} / ${stackName} / ${type}.${id}`, resource, schema.block));
          }
        }
        for (const config of stack.provider.grafana)
          found.push(...problems(`${configName} / ${stackName} / provider.grafana`, config, provider.provider.block));
      }
    }
    expect(count).toBeGreaterThan(40);
    expect(found).toEqual([]);
  });
});
