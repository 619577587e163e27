import * as http from "http";
import type { AddressInfo } from "net";
import { parser } from "@prometheus-io/lezer-promql";
import { healthChecks, parsePrometheusValue, prometheusQuery, watchHealth, type HealthCheck, type Sample } from "../../../constructs/workflows/runtime/health";
import { shippedConfig } from "../../helpers";

const errorRate: HealthCheck = { name: "WebErrorRateHigh", application: "web", query: "error_rate", comparator: "above", threshold: 0.01, forMinutes: 3, action: "rollback" };
const latency: HealthCheck = { name: "WebLatencyP95High", application: "web", query: "latency", comparator: "above", threshold: 1, forMinutes: 5, action: "notify" };

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

const value = (number: number, labels: Record<string, string> = {}): Sample[] => [{ labels, value: number }];

describe("post-deployment verification against Prometheus", () => {
  test("the checks are the environment's alert rules, with rollback rules and PromQL that Prometheus parses", () => {
    const checks = healthChecks(shippedConfig(), "production");
    expect(checks.find((check) => check.name === "WebErrorRateHigh")).toMatchObject({ application: "web", comparator: "above", threshold: 0.01, action: "rollback", forMinutes: 5 });
    expect(checks.find((check) => check.name === "WebLatencyP95High")).toMatchObject({ threshold: 0.5, action: "rollback" });
    expect(healthChecks(shippedConfig(), "development").find((check) => check.name === "WebLatencyP95High")?.action).toBe("notify");
    for (const check of checks) {
      expect(check.query).not.toContain("$__");
      let errors = 0;
      parser.parse(check.query).iterate({ enter: (node) => void (node.type.isError && errors++) });
      expect({ check: check.name, errors }).toEqual({ check: check.name, errors: 0 });
    }
  });

  test("a healthy service passes after watching the whole window", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(0.001)], latency: [value(0.2)] });
    const result = await watchHealth({ checks: [errorRate, latency], minutes: 10, versionLabel: "version", ...prometheus, log: () => {} });
    expect(result).toEqual({ healthy: true, failures: [], warnings: [] });
    expect(prometheus.asked.filter((query) => query === "error_rate")).toHaveLength(11);
  });

  test("fails when a rollback rule's condition holds as long as its alert would wait", async () => {
    // GIVEN: the error rate rises to 2% at minute 2 and stays there
    const prometheus = scriptedPrometheus({ error_rate: [value(0.001), value(0.001), value(0.02)], latency: [value(0.2)] });

    // WHEN
    const result = await watchHealth({ checks: [errorRate, latency], minutes: 60, versionLabel: "version", ...prometheus, log: () => {} });

    // THEN: breaching at minutes 2, 3 and 4 makes three checks in a row
    expect(result.healthy).toBe(false);
    expect(result.failures).toEqual(["WebErrorRateHigh: 0.02 above 0.01 for 3 check(s) in a row, after 4 min"]);
  });

  test("a spike shorter than the alert's wait does not fail the deployment", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(0.001), value(0.05), value(0.05), value(0.001)], latency: [value(0.2)] });
    const result = await watchHealth({ checks: [errorRate], minutes: 6, versionLabel: "version", ...prometheus, log: () => {} });
    expect(result.healthy).toBe(true);
  });

  test("a breach of a rule that only notifies is a warning, never a failure", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(0)], latency: [value(Infinity)] });
    const result = await watchHealth({ checks: [errorRate, latency], minutes: 0, versionLabel: "version", ...prometheus, log: () => {} });
    expect(result).toEqual({ healthy: true, failures: [], warnings: ["WebLatencyP95High was above 1 (Infinity) after 0 min"] });
  });

  test("a canary is judged by its own series when the metrics carry the version", async () => {
    // GIVEN: stable 1.0.0 fails a little, the canary 1.1.0 fails a lot
    const perVersion = [...value(0.005, { version: "1.0.0" }), ...value(0.3, { version: "1.1.0" })];
    const prometheus = scriptedPrometheus({ error_rate: [perVersion] });
    // The alert would wait 3 minutes; a canary's traffic rises only while it stays under the threshold, so one breach is enough.
    const check = errorRate;

    // THEN
    const canary = await watchHealth({ checks: [check], minutes: 0, canaryVersions: { web: "1.1.0" }, versionLabel: "version", ...prometheus, log: () => {} });
    expect(canary.failures).toEqual(["WebErrorRateHigh: 0.3 above 0.01 for 1 check(s) in a row, after 0 min"]);
    const stable = await watchHealth({ checks: [check], minutes: 0, canaryVersions: { web: "1.0.0" }, versionLabel: "version", ...prometheus, log: () => {} });
    expect(stable.healthy).toBe(true);
  });

  test("without the version label, the canary is judged with the application as a whole", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(0.2)] });
    const result = await watchHealth({ checks: [errorRate], minutes: 5, canaryVersions: { web: "1.1.0" }, versionLabel: "version", ...prometheus, log: () => {} });
    expect(result).toMatchObject({ healthy: false, failures: ["WebErrorRateHigh: 0.2 above 0.01 for 1 check(s) in a row, after 0 min"] });
  });

  test("no traffic (NaN) is no breach", async () => {
    const prometheus = scriptedPrometheus({ error_rate: [value(NaN)] });
    expect((await watchHealth({ checks: [{ ...errorRate, forMinutes: 1 }], minutes: 0, versionLabel: "version", ...prometheus, log: () => {} })).healthy).toBe(true);
  });

  test("a Prometheus that fails once is asked again; one that keeps failing fails the verification", async () => {
    const flaky = scriptedPrometheus({ error_rate: [new Error("connection reset")] });
    let calls = 0;
    const recovering = async () => (calls++ === 0 ? Promise.reject(new Error("connection reset")) : [{ labels: {}, value: 0 }]);
    expect((await watchHealth({ checks: [errorRate], minutes: 0, versionLabel: "version", query: recovering, sleep: async () => {}, log: () => {} })).healthy).toBe(true);
    const result = await watchHealth({ checks: [errorRate], minutes: 0, versionLabel: "version", ...flaky, log: () => {} });
    expect(result).toMatchObject({ healthy: false, failures: ["cannot verify WebErrorRateHigh: connection reset"] });
    expect(flaky.asked).toHaveLength(3);
  });

  test("queries Prometheus's HTTP API and reads its numbers, infinities included", async () => {
    // GIVEN
    const server = http.createServer((request, response) => {
      const query = new URL(request.url ?? "", "http://localhost").searchParams.get("query");
      response.setHeader("Content-Type", "application/json");
      response.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: { version: "1.1.0", q: query }, value: [1, "+Inf"] }] } }));
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
