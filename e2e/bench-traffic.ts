/**
 * `npm run bench:traffic`: every runtime scenario of the deploy workflow applied for real under load, one table row
 * per scenario and connection mode. Needs root, dockerd, the local registry (127.0.0.1:5000), terraform and the real
 * Docker provider in the filesystem mirror; see docs/e2e.md.
 *
 *   --rate N               requests per second of each of the two load generators (default 200)
 *   --requests-per-step N  requests per generator after each canary step of the first rollout, for the share (default 10000)
 *   --settle S             seconds of load after each apply (default 3)
 *   --control S            seconds of the control scenario: load and no change (default 60)
 *   --only a,b             groups to run: rolling, rolling-3, blue-green, canary (default all)
 *   --json FILE            also write every result as JSON
 *   --keep                 leave the last containers of each group running (they are removed by default)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildImages } from "./images";
import { renderTable, type ScenarioResult } from "./report";
import { E2eEnvironment, killSlot, type BenchOptions } from "./scenarios";
import { e2eMissing } from "./requirements";

type Group = (options: BenchOptions, environments: E2eEnvironment[]) => Promise<ScenarioResult[]>;

const firstDeploy = async (
  environment: E2eEnvironment,
  version: string,
  canaryWeight = 0,
): Promise<ScenarioResult[]> => {
  await environment.reset();
  const apply = await environment.apply({ kind: "deploy", versions: environment.versions(version), canaryWeight });
  if (!apply.ok)
    throw new Error(`the first deploy of ${environment.environment} failed:\n${apply.output.slice(-3000)}`);
  // Measured from the moment the apply returned: it must serve at once.
  return (
    await environment.measure(`first deploy (${version}), load from the apply's return`, async () => ({ apply }), {
      leadSeconds: 0,
    })
  ).results;
};

const deploy =
  (environment: E2eEnvironment, version: string, canaryWeight = 0) =>
  async () => ({
    apply: await environment.apply({ kind: "deploy", versions: environment.versions(version), canaryWeight }),
  });
const failingDeploy = (environment: E2eEnvironment, version: string) => async () => ({
  apply: await environment.apply({ kind: "deploy", versions: environment.versions(version), canaryWeight: 0 }),
  expectedToFail: true,
});
const rollback = (environment: E2eEnvironment, version: string) => async () => ({
  apply: await environment.apply({ kind: "rollback", versions: environment.versions(version) }),
});

/** A release whose migration fails, measured; each row notes the backups left in the volume. */
const failingMigration = async (environment: E2eEnvironment, label: string): Promise<ScenarioResult[]> => {
  const migration = await environment.measure(label, failingDeploy(environment, "9.9.9-migration-fails"));
  return migration.results.map((result) => ({
    ...result,
    note: `backups in the volume: ${environment.backups().length}`,
  }));
};

export const GROUPS: Record<string, Group> = {
  async rolling(options, environments) {
    const environment = new E2eEnvironment("development", { type: "rolling", replicas: 1 }, 18181, options);
    environments.push(environment);
    const results = await firstDeploy(environment, "1.0.0");
    results.push(
      ...(await environment.measure("rolling (1 replica): new version 1.1.0", deploy(environment, "1.1.0"))).results,
    );
    results.push(
      ...(
        await environment.measure("rolling (1 replica): a secret changed", async () => {
          environment.secretValue = "second-secret-value";
          return { apply: await environment.reapply() };
        })
      ).results,
    );
    const broken = await environment.measure(
      "rolling (1 replica): release that never becomes healthy",
      failingDeploy(environment, "9.9.9-broken"),
      { leadSeconds: 1 },
    );
    results.push(...broken.results);
    results.push(
      ...(
        await environment.measure(
          "rolling (1 replica): the workflow's rollback after it",
          rollback(environment, "1.1.0"),
        )
      ).results,
    );
    results.push(...(await failingMigration(environment, "rolling (1 replica): failing migration")));
    return results;
  },

  async "rolling-3"(options, environments) {
    const environment = new E2eEnvironment("development", { type: "rolling", replicas: 3 }, 18182, options);
    environments.push(environment);
    const results = await firstDeploy(environment, "1.0.0");
    results.push(
      ...(await environment.measure("rolling (3 replicas): new version 1.1.0", deploy(environment, "1.1.0"))).results,
    );
    return results;
  },

  async "blue-green"(options, environments) {
    const environment = new E2eEnvironment("staging", { type: "blue-green" }, 18183, options);
    environments.push(environment);
    const results = await firstDeploy(environment, "1.0.0");
    results.push(
      ...(await environment.measure("blue-green: 1.1.0 into the idle slot", deploy(environment, "1.1.0"))).results,
    );
    results.push(
      ...(
        await environment.measure("blue-green: switch to 1.1.0", async () => ({
          apply: await environment.apply({ kind: "switch", versions: environment.versions("1.1.0") }),
        }))
      ).results,
    );
    results.push(
      ...(await environment.measure("blue-green: switch back to 1.0.0 (rollback)", rollback(environment, "1.0.0")))
        .results,
    );
    results.push(
      ...(
        await environment.measure("blue-green: a secret changed", async () => {
          environment.secretValue = "second-secret-value";
          return { apply: await environment.reapply() };
        })
      ).results,
    );
    results.push(
      ...(
        await environment.measure("blue-green: proxy changed (new proxy image)", async () => {
          environment.proxyTag = "2";
          environment.synth();
          return { apply: await environment.reapply() };
        })
      ).results,
    );
    results.push(...(await failingMigration(environment, "blue-green: failing migration")));
    return results;
  },

  async canary(options, environments) {
    const environment = new E2eEnvironment("production", { type: "canary", steps: [5, 25, 50, 100] }, 18184, options);
    environments.push(environment);
    const results = await firstDeploy(environment, "1.0.0", 5);
    // Nothing changes: what the machine itself costs (a loaded machine stalls the proxy's port forwarding too).
    results.push(
      ...(
        await environment.measure(
          "control: no change, load only",
          () => new Promise((resolve) => setTimeout(() => resolve({}), (options.controlSeconds ?? 60) * 1000)),
        )
      ).results,
    );
    const weight = (canaryWeight: number) => async () => ({
      apply: await environment.apply({ kind: "weight", canaryWeight }),
    });
    const promote = (version: string) => async () => ({
      apply: await environment.apply({ kind: "promote", versions: environment.versions(version) }),
    });
    // The first rollout measures every step's share over requestsPerCanaryStep requests per generator.
    const share = (version: string, weightPercent: number) => ({
      canary: { version, weightPercent, minRequests: true },
    });
    results.push(
      ...(await environment.measure("canary: 1.1.0 at 5%", deploy(environment, "1.1.0", 5), share("1.1.0", 5))).results,
    );
    for (const step of [25, 50, 100])
      results.push(
        ...(await environment.measure(`canary: 1.1.0 at ${step}%`, weight(step), share("1.1.0", step))).results,
      );
    results.push(...(await environment.measure("canary: promote 1.1.0", promote("1.1.0"))).results);

    results.push(...(await environment.measure("canary: 1.2.0 at 5%", deploy(environment, "1.2.0", 5))).results);
    results.push(...(await environment.measure("canary: 1.2.0 at 25%", weight(25))).results);
    results.push(
      ...(await environment.measure("canary: rollback at 25% (to 1.1.0)", rollback(environment, "1.1.0"))).results,
    );

    results.push(...(await environment.measure("canary: 1.3.0 at 5%", deploy(environment, "1.3.0", 5))).results);
    for (const step of [25, 50, 100])
      results.push(...(await environment.measure(`canary: 1.3.0 at ${step}%`, weight(step))).results);
    results.push(...(await environment.measure("canary: promote 1.3.0", promote("1.3.0"))).results);
    results.push(
      ...(await environment.measure("canary: rollback after promotion (to 1.1.0)", rollback(environment, "1.1.0")))
        .results,
    );

    results.push(...(await environment.measure("canary: 2.0.0 at 5%", deploy(environment, "2.0.0", 5))).results);
    results.push(...(await environment.measure("canary: 2.0.0 at 25%", weight(25))).results);
    results.push(
      ...(
        await environment.measure("canary: serving canary killed at 25% (docker kill)", async () => {
          const faultAt = await killSlot(environment, "canary");
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          return { faultAt };
        })
      ).results,
    );
    return results;
  },
};

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(Number.isFinite(number) && number > 0))
    throw new Error(`${name} must be a positive number, not ${JSON.stringify(value)}`);
  return number;
}

async function main(args: readonly string[]): Promise<void> {
  const missing = e2eMissing();
  if (missing) throw new Error(`bench:traffic cannot run here: ${missing}`);
  const options: BenchOptions = {
    ratePerSecond: positive(option(args, "--rate"), 200, "--rate"),
    requestsPerCanaryStep: positive(option(args, "--requests-per-step"), 10_000, "--requests-per-step"),
    settleSeconds: positive(option(args, "--settle"), 3, "--settle"),
    controlSeconds: positive(option(args, "--control"), 60, "--control"),
    workDirectory: fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-bench-traffic-")),
    log: (line) => console.log(line),
  };
  const only = option(args, "--only")?.split(",") ?? Object.keys(GROUPS);
  for (const name of only)
    if (!GROUPS[name])
      throw new Error(`--only: unknown group ${name}; the groups are ${Object.keys(GROUPS).join(", ")}`);
  const images = buildImages((line) => console.log(line));
  console.log(
    `images ${images.cached ? "reused" : "built"}; load: 2 generators × ${options.ratePerSecond} requests/s to 127.0.0.1; work in ${options.workDirectory}`,
  );
  const results: ScenarioResult[] = [];
  for (const name of only) {
    const started = Date.now();
    const environments: E2eEnvironment[] = [];
    try {
      results.push(...(await GROUPS[name](options, environments)));
    } finally {
      // Nothing keeps running after the bench (--keep leaves the containers for a look).
      if (!args.includes("--keep")) for (const environment of environments) environment.teardown();
    }
    console.log(`group ${name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  console.log(`\n${renderTable(results)}\n`);
  const notes = results
    .filter((result) => result.note)
    .map((result) => `- ${result.scenario} (${result.mode}): ${result.note}`);
  if (notes.length > 0) console.log(notes.join("\n"));
  const json = option(args, "--json");
  if (json) fs.writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
