import * as http from "http";
import type { AddressInfo } from "net";
import { parser } from "@prometheus-io/lezer-promql";
import {
  healthChecks,
  parsePrometheusValue,
  prometheusQuery,
  watchHealth,
  type HealthCheck,
  type Sample,
} from "../../../cli/health";
import { shippedConfig } from "../../helpers";

// Like the built-in alerts: one check for every application, whose series carry the `application` label.
const errorRate: HealthCheck = {
  name: "ErrorRateHigh",
  query: "error_rate",
  comparator: "above",
  threshold: 0.01,
  forMinutes: 3,
  action: "rollback",
};
const latency: HealthCheck = {
  name: "LatencyP95High",
  query: "latency",
  comparator: "above",
  threshold: 1,
  forMinutes: 5,
  action: "notify",
};
// Like a flow probe or an extra alert: the check names its application, and its series need not.
const checkoutFlow: HealthCheck = {
  name: "CheckoutFlowBroken",
  application: "web",
  query: "probe",
  comparator: "below",
  threshold: 1,
  forMinutes: 2,
  action: "rollback",
};

/** A Prometheus whose answer to each query changes minute by minute. */
function scriptedPrometheus(answers: Record<string, Array<Sample[] | Error>>) {
  let minute = 0;
  const asked: string[] = [];
  return {
    asked,
    query: async (query: string) => {
      asked.push(query);
      const answer = answers[query][Math.min(minute, answers[query].length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    },
    sleep: async (milliseconds: number) => {
      if (milliseconds === 60_000) minute++;
    },
  };
}

const value = (number: number, labels: Record<string, string> = { application: "web" }): Sample[] => [
  { labels, value: number },
];

describe("post-deployment verification against Prometheus", () => {
  test("the checks are the environment's alert rules, with rollback rules and PromQL that Prometheus parses", () => {
    const checks = healthChecks(shippedConfig(), "production");
    expect(checks.find((check) => check.name === "ErrorRateHigh")).toMatchObject({
      comparator: "above",
      threshold: 0.01,
      action: "rollback",
      forMinutes: 5,
    });
    expect(checks.find((check) => check.name === "LatencyP95High")).toMatchObject({
      threshold: 0.5,
      action: "rollback",
    });
    expect(checks.find((check) => check.name === "CheckoutFlowBroken")).toMatchObject({
      application: "web",
      action: "rollback",
    });
    expect(healthChecks(shippedConfig(), "development").find((check) => check.name === "LatencyP95High")?.action).toBe(
      "notify",
    );
    for (const check of checks) {
      expect(check.query).not.toContain("$__");
      let errors = 0;
      parser.parse(check.query).iterate({ enter: (node) => void (node.type.isError && errors++) });
      expect({ check: check.name, errors }).toEqual({ check: check.name, errors: 0 });
    }
  });

  test("a healthy service passes after watching the whole window", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(0.001)], latency: [value(0.2)] });
    const result = await watchHealth({
      checks: [errorRate, latency],
      minutes: 10,
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });
    expect(result).toEqual({ healthy: true, failures: [], warnings: [] });
    expect(prometheus.asked.filter((query) => query === "error_rate")).toHaveLength(11);
  });

  test("fails when a rollback rule's condition holds as long as its alert would wait", async () => {
    // GIVEN: the error rate rises to 2% at minute 2 and stays there
    const prometheus = scriptedPrometheus({
      error_rate: [value(0.001), value(0.001), value(0.02)],
      latency: [value(0.2)],
    });

    // WHEN
    const result = await watchHealth({
      checks: [errorRate, latency],
      minutes: 60,
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });

    // THEN: breaching at minutes 2, 3 and 4 makes three checks in a row
    expect(result.healthy).toBe(false);
    expect(result.failures).toEqual(["ErrorRateHigh: web=0.02 above 0.01 for 3 check(s) in a row, after 4 min"]);
  });

  test("a spike shorter than the alert's wait does not fail the deployment", async () => {
    const prometheus = scriptedPrometheus({
      error_rate: [value(0.001), value(0.05), value(0.05), value(0.001)],
      latency: [value(0.2)],
    });
    const result = await watchHealth({
      checks: [errorRate],
      minutes: 6,
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });
    expect(result.healthy).toBe(true);
  });

  test("a breach of a rule that only notifies is a warning, never a failure", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(0)], latency: [value(Infinity)] });
    const result = await watchHealth({
      checks: [errorRate, latency],
      minutes: 0,
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });
    expect(result).toEqual({
      healthy: true,
      failures: [],
      warnings: ["LatencyP95High was above 1 (web=Infinity) after 0 min"],
    });
  });

  test("a canary is judged by its own series when the metrics carry the version", async () => {
    // GIVEN: stable 1.0.0 fails a little, the canary 1.1.0 fails a lot
    const perVersion = [
      ...value(0.005, { application: "web", version: "1.0.0" }),
      ...value(0.3, { application: "web", version: "1.1.0" }),
    ];
    const prometheus = scriptedPrometheus({ error_rate: [perVersion] });
    // The alert would wait 3 minutes; a canary's traffic rises only while it stays under the threshold, so one breach is enough.
    const check = errorRate;

    // THEN
    const canary = await watchHealth({
      checks: [check],
      minutes: 0,
      canaryVersions: { web: "1.1.0" },
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });
    expect(canary.failures).toEqual(["ErrorRateHigh: web=0.3 above 0.01 for 1 check(s) in a row, after 0 min"]);
    const stable = await watchHealth({
      checks: [check],
      minutes: 0,
      canaryVersions: { web: "1.0.0" },
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });
    expect(stable.healthy).toBe(true);
  });

  test("a canary deployed by digest (tag@sha256:…) is judged by the series of its tag, the version the application reports", async () => {
    // GIVEN: the canary 1.1.0 fails a lot; the run deployed it as 1.1.0@sha256:…
    const perVersion = [
      ...value(0.005, { application: "web", version: "1.0.0" }),
      ...value(0.3, { application: "web", version: "1.1.0" }),
    ];
    const prometheus = scriptedPrometheus({ error_rate: [perVersion] });

    // WHEN
    const canary = await watchHealth({
      checks: [errorRate],
      minutes: 0,
      canaryVersions: { web: `1.1.0@sha256:${"3f".repeat(32)}` },
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });

    // THEN
    expect(canary.failures).toEqual(["ErrorRateHigh: web=0.3 above 0.01 for 1 check(s) in a row, after 0 min"]);
  });

  test("without the version label, the canary is judged with the application as a whole", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(0.2)], probe: [value(0, {})] });
    const result = await watchHealth({
      checks: [errorRate],
      minutes: 5,
      canaryVersions: { web: "1.1.0" },
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });
    expect(result).toMatchObject({
      healthy: false,
      failures: ["ErrorRateHigh: web=0.2 above 0.01 for 1 check(s) in a row, after 0 min"],
    });
    // A check that names its application judges its unlabelled series the same way.
    const probe = await watchHealth({
      checks: [checkoutFlow],
      minutes: 5,
      canaryVersions: { web: "1.1.0" },
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });
    expect(probe).toMatchObject({
      healthy: false,
      failures: ["CheckoutFlowBroken: 0 below 1 for 1 check(s) in a row, after 0 min"],
    });
  });

  test("with several applications, each is judged by its own series: breaches count per application", async () => {
    // GIVEN: web breaches at minutes 0 and 2, api at minute 1; neither for three checks in a row
    const both = (web: number, api: number) => [
      ...value(web, { application: "web" }),
      ...value(api, { application: "api" }),
    ];
    const alternating = scriptedPrometheus({ error_rate: [both(0.05, 0), both(0, 0.05), both(0.05, 0), both(0, 0)] });

    // WHEN / THEN: no sustained breach
    expect(
      (await watchHealth({ checks: [errorRate], minutes: 6, versionLabel: "version", ...alternating, log: () => {} }))
        .healthy,
    ).toBe(true);

    // GIVEN: api breaches from minute 1 on, web never
    const sustained = scriptedPrometheus({ error_rate: [both(0, 0), both(0.001, 0.04)] });
    const result = await watchHealth({
      checks: [errorRate],
      minutes: 10,
      versionLabel: "version",
      ...sustained,
      log: () => {},
    });
    // THEN: the failure names api and only api's value
    expect(result.failures).toEqual(["ErrorRateHigh: api=0.04 above 0.01 for 3 check(s) in a row, after 3 min"]);
  });

  test("during a canary, an application without a canary version is judged on all its series", async () => {
    // GIVEN: web's canary 1.1.0 is healthy, its stable 1.0.0 and api 2.0.0 are not
    const series = [
      ...value(0.5, { application: "web", version: "1.0.0" }),
      ...value(0, { application: "web", version: "1.1.0" }),
      ...value(0.2, { application: "api", version: "2.0.0" }),
    ];
    const prometheus = scriptedPrometheus({ error_rate: [series] });

    // WHEN web's canary is watched
    const result = await watchHealth({
      checks: [errorRate],
      minutes: 0,
      canaryVersions: { web: "1.1.0" },
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });

    // THEN web's stable series are not the canary's concern, but api's breach is
    expect(result.failures).toEqual(["ErrorRateHigh: api=0.2 above 0.01 for 1 check(s) in a row, after 0 min"]);
  });

  test("fails when a rollback rule whose alert does not treat no data as OK sees no data (a probe that stopped reporting)", async () => {
    // GIVEN: the checks the shipped production config watches, and a Prometheus with no series for the checkout probe
    const checks = healthChecks(shippedConfig(), "production");
    const probe = checks.find((check) => check.name === "CheckoutFlowBroken") as HealthCheck;
    const prometheus = scriptedPrometheus({ [probe.query]: [[]] });

    // WHEN
    const result = await watchHealth({
      checks: [probe],
      minutes: 0,
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });

    // THEN
    expect(result).toEqual({
      healthy: false,
      failures: ["CheckoutFlowBroken: no data for 1 check(s) in a row, after 0 min"],
      warnings: [],
    });
  });

  test("fails when a target is down, although its alert only notifies: /metrics answering 503 verifies nothing", async () => {
    // GIVEN: the error rate has no data (no scrape) and the target is down
    const checks = healthChecks(shippedConfig(), "production");
    const errorRateCheck = checks.find((check) => check.name === "ErrorRateHigh") as HealthCheck;
    const targetDown = checks.find((check) => check.name === "TargetDown") as HealthCheck;
    expect(targetDown.action).toBe("notify");
    const prometheus = scriptedPrometheus({ [errorRateCheck.query]: [[]], [targetDown.query]: [value(0)] });

    // WHEN: watched for two minutes (the target's alert waits longer)
    const result = await watchHealth({
      checks: [errorRateCheck, targetDown],
      minutes: 2,
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });

    // THEN
    expect(result.healthy).toBe(false);
    expect(result.failures).toEqual([expect.stringMatching(/^TargetDown: web=0 below 1 for \d check\(s\) in a row/)]);
  });

  test("an error-rate rule with no data passes while the target is up: no 5xx series is no failure", async () => {
    const checks = healthChecks(shippedConfig(), "production");
    const errorRateCheck = checks.find((check) => check.name === "ErrorRateHigh") as HealthCheck;
    const targetDown = checks.find((check) => check.name === "TargetDown") as HealthCheck;
    const prometheus = scriptedPrometheus({ [errorRateCheck.query]: [[]], [targetDown.query]: [value(1)] });
    const result = await watchHealth({
      checks: [errorRateCheck, targetDown],
      minutes: 1,
      versionLabel: "version",
      ...prometheus,
      log: () => {},
    });
    expect(result).toEqual({ healthy: true, failures: [], warnings: [] });
  });

  test("no traffic (NaN) is no breach", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(NaN)] });
    expect(
      (
        await watchHealth({
          checks: [{ ...errorRate, forMinutes: 1 }],
          minutes: 0,
          versionLabel: "version",
          ...prometheus,
          log: () => {},
        })
      ).healthy,
    ).toBe(true);
  });

  test("a Prometheus that fails once is asked again; one that keeps failing fails the verification", async () => {
    const flaky = scriptedPrometheus({ error_rate: [new Error("connection reset")] });
    let calls = 0;
    const recovering = async () =>
      calls++ === 0 ? Promise.reject(new Error("connection reset")) : [{ labels: {}, value: 0 }];
    expect(
      (
        await watchHealth({
          checks: [errorRate],
          minutes: 0,
          versionLabel: "version",
          query: recovering,
          sleep: async () => {},
          log: () => {},
        })
      ).healthy,
    ).toBe(true);
    const result = await watchHealth({
      checks: [errorRate],
      minutes: 0,
      versionLabel: "version",
      ...flaky,
      log: () => {},
    });
    expect(result).toMatchObject({ healthy: false, failures: ["cannot verify ErrorRateHigh: connection reset"] });
    expect(flaky.asked).toHaveLength(3);
  });

  test("queries Prometheus's HTTP API and reads its numbers, infinities included", async () => {
    // GIVEN
    const server = http.createServer((request, response) => {
      const query = new URL(request.url ?? "", "http://localhost").searchParams.get("query");
      response.setHeader("Content-Type", "application/json");
      response.end(
        JSON.stringify({
          status: "success",
          data: { resultType: "vector", result: [{ metric: { version: "1.1.0", q: query }, value: [1, "+Inf"] }] },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // WHEN
    const samples = await prometheusQuery(url)('sum(rate(x{job="web"}[1m]))');
    server.close();

    // THEN
    expect(samples).toEqual([{ labels: { version: "1.1.0", q: 'sum(rate(x{job="web"}[1m]))' }, value: Infinity }]);
    expect(parsePrometheusValue("-Inf")).toBe(-Infinity);
    expect(parsePrometheusValue("0.25")).toBe(0.25);
  });
});
