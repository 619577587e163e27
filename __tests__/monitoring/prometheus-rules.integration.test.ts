import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import {
  alertAnnotations,
  alertRateWindow,
  environmentAlerts,
  type AlertRule,
} from "../../constructs/monitoring/alert-model";
import { renderPrometheusRules } from "../../constructs/monitoring/prometheus-rules";
import { shippedConfig, temporaryDirectory } from "../helpers";

/** Debian's prometheus package puts promtool on PATH; .ci/run installs it. */
const PROMTOOL =
  ["/usr/bin/promtool", "/usr/local/bin/promtool"].find((candidate) => fs.existsSync(candidate)) ?? "promtool";

const config = shippedConfig();
const production = config.environments.production;
const rules = environmentAlerts({
  environment: "production",
  applications: config.applications.map((application) => application.name),
  metrics: config.monitoring.metrics,
  monitoring: production.monitoring,
  grafanaUrl: config.monitoring.grafanaUrl,
});
const ruleFile = renderPrometheusRules({
  environment: "production",
  rules,
  rateWindow: alertRateWindow(config.monitoring.metrics),
});
const rule = (name: string): AlertRule => {
  const found = rules.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no rule ${name} in ${rules.map((r) => r.name).join(", ")}`);
  return found;
};

function promtool(args: string[], cwd: string) {
  const result = spawnSync(PROMTOOL, args, { cwd, encoding: "utf8" });
  if (result.error)
    throw new Error(
      `promtool could not run (${result.error.message}); install Debian's prometheus package (.ci/run does)`,
    );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Writes the rule file and a promtool unit-test file beside it, and runs `promtool test rules`. */
function runRuleTests(tests: unknown[], file = ruleFile) {
  const dir = temporaryDirectory("promtool");
  fs.writeFileSync(path.join(dir, "production.rules.yml"), file);
  fs.writeFileSync(
    path.join(dir, "production.test.yml"),
    stringify({ rule_files: ["production.rules.yml"], evaluation_interval: "15s", tests }),
  );
  return promtool(["test", "rules", "production.test.yml"], dir);
}

/**
 * The alert promtool must see: the rule's own labels and annotations plus the series labels the query keeps, with
 * the application the series names filled into the annotations' `{{ $labels.application }}`.
 */
function expectedAlert(name: string, seriesLabels: Record<string, string>, file = ruleFile) {
  const { labels } = parse(file).groups[0].rules.find((r: { alert: string }) => r.alert === name);
  const annotations = Object.entries(alertAnnotations(rule(name))).map(([key, text]) => [
    key,
    text.replaceAll("{{ $labels.application }}", seriesLabels.application ?? ""),
  ]);
  return { exp_labels: { ...seriesLabels, ...labels }, exp_annotations: Object.fromEntries(annotations) };
}

/** A counter growing by `perStep` every 15 s for 20 minutes. */
const counter = (perStep: number) => `0+${perStep}x80`;

describe("the Prometheus rule file", () => {
  test("each rule carries its environment, severity and action (rollback for errors, latency and the flow; notify for the rest) and its pending time", () => {
    const rules = parse(ruleFile).groups[0].rules.map((r: { alert: string; labels: unknown; for?: string }) => [
      r.alert,
      r.labels,
      r.for,
    ]);
    expect(rules).toEqual([
      ["ErrorRateHigh", { environment: "production", severity: "critical", action: "rollback" }, "5m"],
      ["LatencyP95High", { environment: "production", severity: "critical", action: "rollback" }, "5m"],
      ["TargetDown", { environment: "production", severity: "critical", action: "notify" }, "2m"],
      ["ContainerRestarts", { environment: "production", severity: "warning", action: "notify" }, undefined],
      [
        "CheckoutFlowBroken",
        { environment: "production", application: "web", severity: "critical", action: "rollback", flow: "checkout" },
        "2m",
      ],
    ]);
  });

  test("passes promtool check rules", () => {
    // GIVEN the rendered production rule file
    const dir = temporaryDirectory("promtool");
    fs.writeFileSync(path.join(dir, "production.rules.yml"), ruleFile);

    // WHEN promtool checks it
    const result = promtool(["check", "rules", "production.rules.yml"], dir);

    // THEN it is valid and holds every modelled alert
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.status).toBe(0);
  });

  test("the error-rate alert fires at a sustained 2% error rate, only after its 5 minutes, labelled action=rollback", () => {
    const ok = 'http_requests_total{job="web",status="200",version="1.4.0"}';
    const failed = 'http_requests_total{job="web",status="500",version="1.4.0"}';
    const result = runRuleTests([
      {
        interval: "15s",
        input_series: [
          { series: ok, values: counter(1470) },
          { series: failed, values: counter(30) },
        ],
        alert_rule_test: [
          { eval_time: "4m", alertname: "ErrorRateHigh", exp_alerts: [] },
          {
            eval_time: "10m",
            alertname: "ErrorRateHigh",
            exp_alerts: [expectedAlert("ErrorRateHigh", { job: "web", version: "1.4.0", application: "web" })],
          },
        ],
      },
    ]);
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
    const alert = expectedAlert("ErrorRateHigh", { job: "web", version: "1.4.0", application: "web" });
    expect(alert.exp_labels).toMatchObject({
      action: "rollback",
      severity: "critical",
      environment: "production",
      application: "web",
    });
    expect(alert.exp_annotations.summary).toBe("web in production: more than 1% of requests fail with 5xx");
  });

  test("the error-rate alert stays silent at a sustained 0.5% error rate", () => {
    const result = runRuleTests([
      {
        interval: "15s",
        input_series: [
          { series: 'http_requests_total{job="web",status="200",version="1.4.0"}', values: counter(1990) },
          { series: 'http_requests_total{job="web",status="503",version="1.4.0"}', values: counter(10) },
        ],
        alert_rule_test: [{ eval_time: "15m", alertname: "ErrorRateHigh", exp_alerts: [] }],
      },
    ]);
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  test("fails when the expectation is wrong: promtool reports an alert that was not expected (the tests above can fail)", () => {
    const result = runRuleTests([
      {
        interval: "15s",
        input_series: [
          { series: 'http_requests_total{job="web",status="200",version="1.4.0"}', values: counter(1470) },
          { series: 'http_requests_total{job="web",status="500",version="1.4.0"}', values: counter(30) },
        ],
        alert_rule_test: [{ eval_time: "10m", alertname: "ErrorRateHigh", exp_alerts: [] }],
      },
    ]);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/alertname: ErrorRateHigh/);
  });

  test("the latency alert fires when p95 is above 0.5s and stays silent below it", () => {
    const bucket = (le: string, cluster: string) =>
      `http_request_duration_seconds_bucket{job="web",le="${le}",version="1.4.0",cluster="${cluster}"}`;
    // Per 15 s, 100 requests: "slow" puts 98 of them between 0.5 s and 1 s; "fast" keeps all under 0.25 s.
    const histogram = (cluster: string, cumulative: number[]) =>
      ["0.1", "0.25", "0.5", "1", "+Inf"].map((le, index) => ({
        series: bucket(le, cluster),
        values: counter(cumulative[index]),
      }));
    const slow = runRuleTests([
      {
        interval: "15s",
        input_series: histogram("slow", [0, 0, 2, 100, 100]),
        alert_rule_test: [
          {
            eval_time: "10m",
            alertname: "LatencyP95High",
            exp_alerts: [expectedAlert("LatencyP95High", { job: "web", version: "1.4.0", application: "web" })],
          },
        ],
      },
    ]);
    expect(slow.output).toContain("SUCCESS");
    expect(slow.status).toBe(0);

    const fast = runRuleTests([
      {
        interval: "15s",
        input_series: histogram("fast", [50, 100, 100, 100, 100]),
        alert_rule_test: [{ eval_time: "10m", alertname: "LatencyP95High", exp_alerts: [] }],
      },
    ]);
    expect(fast.output).toContain("SUCCESS");
    expect(fast.status).toBe(0);
    expect(rule("LatencyP95High")).toMatchObject({ threshold: 0.5, action: "rollback" });
  });

  test("the availability alert fires when the target is down for its 2 minutes, and not while it is up", () => {
    // One alert per application (the lowest `up` of its targets), not per target.
    const target = { job: "web", application: "web" };
    const result = runRuleTests([
      {
        interval: "15s",
        // Up for the first 5 minutes, then down.
        input_series: [{ series: 'up{job="web",instance="web-production-stable:3000"}', values: "1x19 0x40" }],
        alert_rule_test: [
          { eval_time: "4m", alertname: "TargetDown", exp_alerts: [] },
          { eval_time: "6m", alertname: "TargetDown", exp_alerts: [] },
          { eval_time: "8m", alertname: "TargetDown", exp_alerts: [expectedAlert("TargetDown", target)] },
        ],
      },
    ]);
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  test("the critical-flow alert fires when the probe fails, labelled action=rollback", () => {
    const probe = { job: "blackbox", instance: "https://wtfb.example/checkout" };
    const result = runRuleTests([
      {
        interval: "15s",
        input_series: [
          { series: 'probe_success{job="blackbox",instance="https://wtfb.example/checkout"}', values: "1x19 0x40" },
        ],
        alert_rule_test: [
          { eval_time: "4m", alertname: "CheckoutFlowBroken", exp_alerts: [] },
          {
            eval_time: "8m",
            alertname: "CheckoutFlowBroken",
            exp_alerts: [expectedAlert("CheckoutFlowBroken", probe)],
          },
        ],
      },
    ]);
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
    expect(expectedAlert("CheckoutFlowBroken", probe).exp_labels).toMatchObject({
      action: "rollback",
      flow: "checkout",
    });
  });

  test("the restart alert counts restarts of serving containers only, not of the proxy", () => {
    // A start time that changes every 15 s is a container restarting over and over.
    const restarting = (name: string) => ({
      series: `container_start_time_seconds{name="${name}"}`,
      values: "100+15x80",
    });
    const result = runRuleTests([
      {
        interval: "15s",
        input_series: [
          restarting("web-production-canary"),
          restarting("web-production-proxy"),
          restarting("web-production-blue-migrate"),
        ],
        alert_rule_test: [
          {
            eval_time: "5m",
            alertname: "ContainerRestarts",
            exp_alerts: [expectedAlert("ContainerRestarts", { name: "web-production-canary", application: "web" })],
          },
        ],
      },
    ]);
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  describe("with two applications, one rule per kind alerts per application", () => {
    const twoApplications = renderPrometheusRules({
      environment: "production",
      rules: environmentAlerts({
        environment: "production",
        applications: ["web", "api"],
        metrics: config.monitoring.metrics,
        monitoring: production.monitoring,
        grafanaUrl: config.monitoring.grafanaUrl,
      }),
      rateWindow: alertRateWindow(config.monitoring.metrics),
    });

    test("still five rules (four built in and the flow probe), valid for promtool", () => {
      expect(parse(twoApplications).groups[0].rules.map((r: { alert: string }) => r.alert)).toEqual([
        "ErrorRateHigh",
        "LatencyP95High",
        "TargetDown",
        "ContainerRestarts",
        "CheckoutFlowBroken",
      ]);
      const dir = temporaryDirectory("promtool");
      fs.writeFileSync(path.join(dir, "production.rules.yml"), twoApplications);
      const result = promtool(["check", "rules", "production.rules.yml"], dir);
      expect(result.output).toContain("SUCCESS: 5 rules found");
      expect(result.status).toBe(0);
    });

    test("only the failing application alerts: its errors, its restarts, and its missing target", () => {
      const requests = (job: string, status: string, perStep: number) => ({
        series: `http_requests_total{job="${job}",status="${status}",version="2.0.0"}`,
        values: counter(perStep),
      });
      const result = runRuleTests(
        [
          {
            interval: "15s",
            input_series: [
              requests("web", "200", 1000),
              requests("api", "200", 950),
              requests("api", "500", 50),
              // web is scraped and up; api has no target at all.
              { series: 'up{job="web",instance="web-production-1:3000"}', values: "1x80" },
              { series: 'container_start_time_seconds{name="api-production-2-3f9a2c1d"}', values: "100+15x80" },
              { series: 'container_start_time_seconds{name="web-production-proxy"}', values: "100+15x80" },
            ],
            alert_rule_test: [
              {
                eval_time: "10m",
                alertname: "ErrorRateHigh",
                exp_alerts: [
                  expectedAlert("ErrorRateHigh", { job: "api", version: "2.0.0", application: "api" }, twoApplications),
                ],
              },
              {
                eval_time: "10m",
                alertname: "TargetDown",
                exp_alerts: [expectedAlert("TargetDown", { job: "api", application: "api" }, twoApplications)],
              },
              {
                eval_time: "5m",
                alertname: "ContainerRestarts",
                exp_alerts: [
                  expectedAlert(
                    "ContainerRestarts",
                    { name: "api-production-2-3f9a2c1d", application: "api" },
                    twoApplications,
                  ),
                ],
              },
            ],
          },
        ],
        twoApplications,
      );
      expect(result.output).toContain("SUCCESS");
      expect(result.status).toBe(0);
    });
  });
});
