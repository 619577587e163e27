import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../../config/load";
import { PROJECT_ROOT, configIssues as issuesOf, shippedConfigJson, temporaryDirectory } from "../helpers";

/** Runs a compiled entry point (built by the jest global setup) in a directory holding only a config. */
function runWithConfig(script: string, raw: unknown) {
  const dir = temporaryDirectory("monitoring-cli");
  fs.writeFileSync(path.join(dir, "pipeline.config.json"), JSON.stringify(raw, null, 2));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith("WTFB_") && key !== "PIPELINE_CONFIG" && key !== "CDKTF_OUTDIR",
    ),
  );
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "dist", ...script.split("/"))], {
    cwd: dir,
    encoding: "utf8",
    env: { ...env, CHECKPOINT_DISABLE: "1" },
  });
  return { status: result.status, stderr: result.stderr, outdir: path.join(dir, "cdktf.out") };
}

/** The shipped config with production's checkout probe broken: a parenthesis never closed. */
function brokenProbeConfig(): any {
  const raw = shippedConfigJson();
  raw.environments.production.monitoring.criticalFlowProbes[0].expr =
    'min(probe_success{job="blackbox",instance="https://wtfb.example/checkout"}';
  return raw;
}

describe("monitoring config checks", () => {
  test("the shipped config passes them", () => {
    expect(() => parseConfig(shippedConfigJson())).not.toThrow();
  });

  test("fails when a probe's expression is broken, naming the alert and the field", () => {
    expect(issuesOf(brokenProbeConfig())).toEqual([
      expect.objectContaining({
        path: "environments.production.monitoring.criticalFlowProbes[0].expr",
        message: expect.stringMatching(/^alert CheckoutFlowBroken: invalid PromQL: syntax error at column \d+/),
      }),
    ]);
  });

  test("fails when an extra alert's expression does not type-check, naming the alert", () => {
    const raw = shippedConfigJson();
    raw.environments.staging.monitoring.extraAlerts = [
      { name: "QueueBacklog", expr: "rate(jobs_waiting)", threshold: 100 },
    ];
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.staging.monitoring.extraAlerts[0].expr",
        message: expect.stringContaining(
          'alert QueueBacklog: invalid PromQL: expected type matrix in call to function "rate"',
        ),
      }),
    ]);
  });

  test.each([
    ["errorRateThresholdPercent", 150, /alert ErrorRateHigh: the error-rate threshold 150% is outside its range/],
    ["errorRateThresholdPercent", 0, /alert ErrorRateHigh: the error-rate threshold 0% is outside its range/],
    ["latencyP95Seconds", -1, /alert LatencyP95High: the p95 latency limit -1s is outside its range/],
    ["containerRestartLimit", 0, /alert ContainerRestarts: the restart limit 0 is outside its range/],
  ])("fails when %s is %p, naming the alert", (field, value, message) => {
    const raw = shippedConfigJson();
    raw.environments.production.monitoring[field] = value;
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: `environments.production.monitoring.${field}`,
        message: expect.stringMatching(message),
      }),
    ]);
  });

  test("fails when a probe that rolls back does not say which of several applications", () => {
    // GIVEN a second application, and probes that leave the application to the default
    const raw = shippedConfigJson();
    raw.applications.push({ ...raw.applications[0], name: "api", hostPort: 8081 });
    for (const environment of ["staging", "production"])
      delete raw.environments[environment].monitoring.criticalFlowProbes[0].application;

    // WHEN / THEN
    const issues = issuesOf(raw).filter((issue) => issue.path.includes("criticalFlowProbes"));
    expect(issues).toEqual([
      expect.objectContaining({
        path: "environments.staging.monitoring.criticalFlowProbes[0].application",
        message: expect.stringContaining("alert CheckoutFlowBroken rolls an application back"),
      }),
      expect.objectContaining({
        path: "environments.production.monitoring.criticalFlowProbes[0].application",
        fix: "set application to one of web, api",
      }),
    ]);
  });

  test("fails when a probe names an application that does not exist", () => {
    const raw = shippedConfigJson();
    raw.environments.production.monitoring.criticalFlowProbes[0].application = "shop";
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.production.monitoring.criticalFlowProbes[0].application",
        message: 'alert CheckoutFlowBroken: no application is named "shop"',
        fix: "use one of web",
      }),
    ]);
  });

  test("fails when an extra alert reuses a built-in alert's name", () => {
    const raw = shippedConfigJson();
    raw.environments.production.monitoring.extraAlerts = [
      { name: "ErrorRateHigh", expr: "up", threshold: 1, comparator: "below" },
    ];
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.production.monitoring.extraAlerts[0].name",
        message: "alert ErrorRateHigh is defined twice in production",
        fix: "give the alert another name (ErrorRateHigh, LatencyP95High, TargetDown, ContainerRestarts are built in; probes are <Flow>FlowBroken)",
      }),
    ]);
  });

  test("fails when two environments would share one Grafana organization's notification policy", () => {
    const raw = shippedConfigJson();
    delete raw.environments.development.monitoring.grafanaOrgId;
    delete raw.environments.staging.monitoring.grafanaOrgId;
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "environments.staging.monitoring.grafanaOrgId",
        message: expect.stringContaining("staging and development would both provision the notification policy"),
      }),
    ]);
  });

  test("environments in one Grafana organization are fine when they use different Grafana instances", () => {
    const raw = shippedConfigJson();
    raw.environments.development.monitoring.grafanaOrgId = 1;
    raw.environments.development.monitoring.grafanaUrl = "https://grafana.dev.wtfb.example";
    expect(() => parseConfig(raw)).not.toThrow();
  });
});

describe("the Grafana version", () => {
  // The rollback contact point's webhook `payload` and `headers` are new in Grafana 12.0 (grafana/alerting
  // receivers/webhook/v1/config.go: "New in 12.0"; the provider tests them from 12.0 on, grafana/terraform-provider-grafana
  // TestAccContactPoint_notifiers12_0, PR #2331).
  test("fails when monitoring.grafanaVersion is 11.x, naming the field and the fix", () => {
    const raw = shippedConfigJson();
    raw.monitoring.grafanaVersion = "11.6.3";
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "monitoring.grafanaVersion",
        message: expect.stringContaining("Grafana 11.6.3 is older than 12.0"),
        fix: expect.stringContaining("upgrade Grafana to 12.0 or later"),
      }),
    ]);
  });

  test("fails when no Grafana version is stated, saying where to find it", () => {
    const raw = shippedConfigJson();
    delete raw.monitoring.grafanaVersion;
    expect(issuesOf(raw)).toEqual([
      expect.objectContaining({
        path: "monitoring.grafanaVersion",
        message: expect.stringContaining("is not set"),
        fix: expect.stringContaining("/api/health"),
      }),
    ]);
  });

  test("fails when the version is not a version", () => {
    const raw = shippedConfigJson();
    raw.monitoring.grafanaVersion = "latest";
    expect(issuesOf(raw)).toContainEqual(
      expect.objectContaining({ path: "monitoring.grafanaVersion", message: expect.stringContaining("e.g. 12.1.0") }),
    );
  });

  test("an environment on its own older Grafana fails at its own field; 12.0 and later pass", () => {
    const raw = shippedConfigJson();
    raw.environments.development.monitoring.grafanaUrl = "https://grafana.dev.wtfb.example";
    raw.environments.development.monitoring.grafanaVersion = "v10.4.0";
    expect(issuesOf(raw).map((issue) => issue.path)).toEqual(["environments.development.monitoring.grafanaVersion"]);
    for (const version of ["12.0.0", "12.1", "v12.2.1+security-01", "13.0.0"]) {
      raw.environments.development.monitoring.grafanaVersion = version;
      expect([version, issuesOf(raw)]).toEqual([version, []]);
    }
  });
});

describe("a broken alert expression stops the command line", () => {
  test("npm run validate fails, naming the alert", () => {
    const result = runWithConfig("scripts/validate.js", brokenProbeConfig());
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /environments\.production\.monitoring\.criticalFlowProbes\[0\]\.expr: alert CheckoutFlowBroken: invalid PromQL/,
    );
  });

  test("npm run validate fails for a Grafana 11 config, naming monitoring.grafanaVersion and the fix", () => {
    const raw = shippedConfigJson();
    raw.monitoring.grafanaVersion = "11.6.3";
    const result = runWithConfig("scripts/validate.js", raw);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /monitoring\.grafanaVersion: Grafana 11\.6\.3 is older than 12\.0.* — fix: upgrade Grafana to 12\.0 or later/,
    );
  });

  test("npm run synth fails, naming the alert, and writes nothing", () => {
    const result = runWithConfig("main.js", brokenProbeConfig());
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("alert CheckoutFlowBroken: invalid PromQL");
    expect(fs.existsSync(result.outdir)).toBe(false);
  });

  test("npm run synth with the shipped config writes the rule files", () => {
    const result = runWithConfig("main.js", shippedConfigJson());
    expect(result.status).toBe(0);
    expect(fs.readdirSync(path.join(result.outdir, "alerts")).sort()).toEqual([
      "development.rules.yml",
      "production.rules.yml",
      "staging.rules.yml",
    ]);
  });
});
