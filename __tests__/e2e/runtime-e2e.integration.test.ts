/**
 * The runtime for real, a small set of the traffic bench's scenarios (e2e/bench-traffic.ts runs them all and prints
 * the figures): the synthesized runtime applied with the real Docker provider to the local Docker engine, images from
 * the local registry, load through the proxy on 127.0.0.1 with and without keep-alive. Asserts what a deployment
 * promises, never timings: the new version serves once its apply returns; a release that never becomes healthy and a
 * failing migration fail the apply, serve nothing and leave the previous version serving (and the backup in place);
 * a new proxy image takes over the port without a failed request; a killed canary's traffic goes to stable.
 *
 * Needs root, dockerd, the registry on 127.0.0.1:5000, terraform and the real Docker provider (.ci/run provides them).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeWhen } from "../helpers";
import { buildImages } from "../../e2e/images";
import type { RequestRecord } from "../../e2e/load";
import { failed } from "../../e2e/report";
import { e2eMissing } from "../../e2e/requirements";
import { docker, E2eEnvironment, killSlot, MODES, type BenchOptions, type Measured } from "../../e2e/scenarios";

const missing = e2eMissing();
const describeE2e = describeWhen(missing === undefined, `${missing}: the runtime e2e tests are skipped`);

/** Its own application name, so the suite never touches the bench's containers. */
const APPLICATION = "shopci";
const SECOND = 1000;

/** Every record of both load generators. */
const allRecords = (measured: Measured): RequestRecord[] => MODES.flatMap(({ mode }) => measured.records[mode]);

const versionsOf = (records: readonly RequestRecord[]) =>
  [...new Set(records.map((record) => record.version ?? `no answer (${record.error ?? record.status})`))].sort();

describeE2e("the runtime applied for real under load", () => {
  jest.setTimeout(240_000);
  const options: BenchOptions = {
    ratePerSecond: 100,
    requestsPerCanaryStep: 0,
    settleSeconds: 2,
    workDirectory: fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-e2e-test-")),
    log: () => undefined,
  };
  const environments: E2eEnvironment[] = [];

  beforeAll(() => {
    buildImages();
  }, 300_000);

  afterAll(() => {
    for (const environment of environments) environment.teardown();
    fs.rmSync(options.workDirectory, { recursive: true, force: true });
  });

  describe("rolling, one replica", () => {
    const environment = new E2eEnvironment(
      "development",
      { type: "rolling", replicas: 1 },
      18281,
      options,
      APPLICATION,
    );
    environments.push(environment);

    beforeAll(async () => {
      await environment.reset();
      const first = await environment.apply({
        kind: "deploy",
        versions: environment.versions("1.0.0"),
        canaryWeight: 0,
      });
      if (!first.ok) throw new Error(`the first deploy failed:\n${first.output.slice(-3000)}`);
    }, 240_000);

    it("serves the new version once its apply returns", async () => {
      // WHEN 1.1.0 is deployed under load
      const measured = await environment.measure("new version", async () => ({
        apply: await environment.apply({ kind: "deploy", versions: environment.versions("1.1.0"), canaryWeight: 0 }),
      }));

      // THEN the apply succeeds and every request after it is answered 200 by 1.1.0
      expect(measured.apply?.ok).toBe(true);
      const after = allRecords(measured).filter((record) => record.start >= measured.actionEndedAt);
      expect(after.length).toBeGreaterThan(100);
      expect(versionsOf(after)).toEqual(["1.1.0"]);
      expect(after.filter(failed)).toEqual([]);
    });

    it("fails the apply of a failing migration, keeps the previous version serving and the backup in place", async () => {
      // WHEN a release whose migration exits 1 is deployed under load
      const measured = await environment.measure("failing migration", async () => ({
        apply: await environment.apply({
          kind: "deploy",
          versions: environment.versions("9.9.9-migration-fails"),
          canaryWeight: 0,
        }),
      }));

      // THEN the apply fails, 1.1.0 answers every request, before and after, and the backup taken before it exists
      expect(measured.apply?.ok).toBe(false);
      expect(measured.apply?.output).toMatch(/migration of shopci in development/);
      const records = allRecords(measured);
      expect(versionsOf(records)).toEqual(["1.1.0"]);
      expect(records.filter(failed)).toEqual([]);
      expect(environment.backups().length).toBeGreaterThan(0);
    });

    it("never routes a request to a release that never becomes healthy, and the previous version keeps serving", async () => {
      // WHEN a release whose health check always fails is deployed under load
      const measured = await environment.measure("never healthy", async () => ({
        apply: await environment.apply({
          kind: "deploy",
          versions: environment.versions("9.9.9-broken"),
          canaryWeight: 0,
        }),
      }));

      // THEN the apply fails, the broken release answers no request, and 1.1.0 still serves after the failure
      expect(measured.apply?.ok).toBe(false);
      const records = allRecords(measured);
      expect(records.filter((record) => record.version === "9.9.9-broken")).toHaveLength(0);
      const after = records.filter((record) => record.start >= measured.actionEndedAt);
      expect(after.length).toBeGreaterThan(100);
      expect(versionsOf(after)).toEqual(["1.1.0"]);
      expect(after.filter(failed)).toEqual([]);
    });

    it("hands the port over to a new proxy image without a failed request", async () => {
      const proxies = () =>
        docker([
          "ps",
          "--format",
          "{{.Names}}",
          "--filter",
          `label=wtfb.application=${APPLICATION}`,
          "--filter",
          "label=wtfb.role=proxy",
        ])
          .stdout.split("\n")
          .filter(Boolean);
      const before = proxies();
      expect(before).toHaveLength(1);
      // WHEN the proxy image changes under load
      const measured = await environment.measure("new proxy image", async () => {
        environment.proxyTag = "2";
        environment.synth();
        return { apply: await environment.reapply() };
      });

      // THEN a new proxy container took over, and every request, kept-alive or not, was answered by 1.1.0
      expect(measured.apply?.ok).toBe(true);
      const after = proxies();
      expect(after).toHaveLength(1);
      expect(after).not.toEqual(before);
      const records = allRecords(measured);
      expect(versionsOf(records)).toEqual(["1.1.0"]);
      expect(records.filter(failed)).toEqual([]);
    });
  });

  describe("canary", () => {
    const environment = new E2eEnvironment(
      "production",
      { type: "canary", steps: [5, 25, 50, 100] },
      18284,
      options,
      APPLICATION,
    );
    environments.push(environment);

    beforeAll(async () => {
      await environment.reset();
      for (const step of [
        { kind: "deploy", versions: environment.versions("1.0.0"), canaryWeight: 5 },
        { kind: "deploy", versions: environment.versions("1.1.0"), canaryWeight: 25 },
      ] as const) {
        const result = await environment.apply(step);
        if (!result.ok)
          throw new Error(`${step.kind} ${JSON.stringify(step.versions)} failed:\n${result.output.slice(-3000)}`);
      }
    }, 240_000);

    it("sends the traffic of a killed canary to stable", async () => {
      // WHEN the canary serving 25% of requests is killed under load
      const measured = await environment.measure("canary killed", async () => {
        const faultAt = await killSlot(environment, "canary");
        await new Promise((resolve) => setTimeout(resolve, 5 * SECOND));
        return { faultAt };
      });

      // THEN stable answers the canary's share: no request started later than 1 s after the kill fails
      const killedAt = measured.faultAt!;
      const records = allRecords(measured);
      const afterFailover = records.filter((record) => record.start >= killedAt + SECOND);
      expect(afterFailover.length).toBeGreaterThan(500);
      expect(afterFailover.filter(failed)).toEqual([]);
      expect(afterFailover.some((record) => record.version === "1.0.0")).toBe(true);
    });
  });
});
