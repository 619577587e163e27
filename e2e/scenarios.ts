/**
 * The scenario driver: deploys the test application through the real runtime (synthesized stack, real Docker
 * provider, local engine and registry) while two load generators (keep-alive and a new connection per request) send
 * traffic through the proxy, and measures every step.
 *
 * Each apply sets the release variables the deploy CLI would: `planRelease` (the CLI's own decision function,
 * constructs/workflows/runtime/release-plan.ts) computes them from the last applied state and the step (deploy,
 * switch, weight, promote, rollback), and they reach Terraform as TF_VAR_<name>, as `cdktf deploy` passes them. The
 * CLI itself is not run: its other work needs GitHub (environment variables hold the release state) and Prometheus.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { EnvironmentName } from "../config/environments";
import type { Strategy } from "../config/runtime-schema";
import * as releasePlan from "../constructs/workflows/runtime/release-plan";
import { releaseVariablesOf, servingVersion, type ReleaseStep } from "../constructs/workflows/runtime/release-plan";
import type { ReleaseVariables } from "../constructs/contract";
import { startLoad, type LoadRun, type RequestRecord } from "./load";
import { canaryShare, failed, figuresOf, type ScenarioResult } from "./report";
import { APPLICATION, e2eConfig, synthRuntime } from "./stack";
import { TerraformWorkspace, type ApplyResult } from "./terraform";
import { APP_REPOSITORY } from "./images";

export interface BenchOptions {
  /** Requests per second of each load generator (there are two: keep-alive and not). */
  readonly ratePerSecond: number;
  /** Requests each generator sends after a canary step's apply, over which the share is measured. */
  readonly requestsPerCanaryStep: number;
  /** Seconds the load goes on after an apply returns. */
  readonly settleSeconds: number;
  /** Seconds of the control scenario (load, no change). @default 60 */
  readonly controlSeconds?: number;
  /** Where workspaces and logs go. */
  readonly workDirectory: string;
  readonly log: (line: string) => void;
}

export const MODES = [
  { keepAlive: true, mode: "keep-alive" },
  { keepAlive: false, mode: "new connection per request" },
] as const;

/** A measured scenario: the figures per mode, and the raw records for assertions. */
export interface Measured {
  readonly results: ScenarioResult[];
  readonly records: Record<"keep-alive" | "new connection per request", RequestRecord[]>;
  readonly apply?: ApplyResult;
  /** When the action ended (epoch ms). */
  readonly actionEndedAt: number;
  /** When the action injected its fault (epoch ms), if it did. */
  readonly faultAt?: number;
}

interface ActionOutcome {
  readonly apply?: ApplyResult;
  readonly expectedToFail?: boolean;
  /** When a fault was injected (epoch ms). */
  readonly faultAt?: number;
  readonly note?: string;
}

interface MeasureOptions {
  /** Measure the share of this canary version against this weight, over requests after the action. */
  readonly canary?: {
    readonly version: string;
    readonly weightPercent: number;
    /** Keep the load on until `requestsPerCanaryStep` requests per generator. */ readonly minRequests?: boolean;
  };
  /** Load before the action starts, seconds. @default 1 */
  readonly leadSeconds?: number;
}

type PlanApplies = (
  variables: Parameters<typeof releasePlan.planRelease>[0],
  current: Record<string, string>,
  step: ReleaseStep,
) => Array<Record<string, string>>;
/**
 * The applies of a step, in order, as the deploy CLI makes them: `planReleaseApplies` where the release plan has it
 * (a canary rollback first takes the weight to 0), else the one apply of `planRelease`.
 */
const planApplies: PlanApplies =
  (releasePlan as { planReleaseApplies?: PlanApplies }).planReleaseApplies ??
  ((variables, current, step) => [releasePlan.planRelease(variables, current, step)]);

const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/** One environment of the test application: its workspace, release state, secret value and proxy build. */
export class E2eEnvironment {
  public releaseState: Record<string, string> = {};
  public secretValue = "first-secret-value";
  public proxyTag = "1";
  public readonly variables: ReleaseVariables;
  private readonly workspace: TerraformWorkspace;
  private readonly logFile: fs.WriteStream;
  private secretVariables: Record<string, string> = {};

  constructor(
    public readonly environment: EnvironmentName,
    public readonly strategy: Strategy,
    public readonly hostPort: number,
    private readonly options: BenchOptions,
    /** The test application's name; two runs at once need two names. */
    public readonly application: string = APPLICATION,
  ) {
    const directory = path.join(
      options.workDirectory,
      `${application}-${environment}-${strategy.type}${strategy.type === "rolling" ? `-${strategy.replicas}` : ""}`,
    );
    this.workspace = new TerraformWorkspace(directory);
    this.logFile = fs.createWriteStream(path.join(directory, "terraform.log"), { flags: "a" });
    this.variables = releaseVariablesOf([application], strategy)[application];
  }

  /** The version the environment serves in its release state (the stable, active or rolling version). */
  public get serving(): string | undefined {
    return servingVersion(this.variables, this.releaseState);
  }

  /** Removes every container, volume and the state of this environment's test application, then synthesizes. */
  public async reset(): Promise<void> {
    this.teardown();
    this.releaseState = {};
    this.secretValue = "first-secret-value";
    this.proxyTag = "1";
    this.synth();
  }

  /**
   * Removes every container and volume of this environment's test application (found by label and name) and its
   * state; the proxies' logs (the router logs every request with its upstream and timings) stay in the workspace.
   */
  public teardown(): void {
    for (const proxy of this.containerNames({ stopped: true }, "wtfb.role=proxy")) {
      const logs = docker(["logs", proxy], true);
      fs.writeFileSync(path.join(this.workspace.directory, `${proxy}.log`), `${logs.stdout}${logs.stderr}`);
    }
    const containers = this.containerNames({ stopped: true });
    if (containers.length > 0) docker(["rm", "-f", ...containers]);
    const volumes = docker(["volume", "ls", "-q", "--filter", `name=^${this.application}-${this.environment}-`])
      .stdout.split("\n")
      .filter(Boolean);
    if (volumes.length > 0) docker(["volume", "rm", "-f", ...volumes]);
    // The environment's network, unless something else still uses it (docker refuses to remove it then).
    const network = `wtfb-${this.environment}`;
    if (
      docker([
        "network",
        "ls",
        "-q",
        "--filter",
        `name=^${network}$`,
        "--filter",
        `label=wtfb.environment=${this.environment}`,
      ]).stdout.trim() !== ""
    )
      docker(["network", "rm", network], true);
    for (const file of [this.workspace.stateFile, `${this.workspace.stateFile}.backup`])
      fs.rmSync(file, { force: true });
  }

  /** Synthesizes the environment's runtime (with the current proxy build) into the workspace. */
  public synth(): void {
    const config = e2eConfig({
      application: this.application,
      environment: this.environment,
      strategy: this.strategy,
      hostPort: this.hostPort,
      proxyTag: this.proxyTag,
    });
    const synthesized = synthRuntime(
      config,
      this.environment,
      path.join(this.workspace.directory, "cdktf.out"),
      this.workspace.stateFile,
    );
    this.secretVariables = { ...synthesized.secretVariables };
    this.workspace.write(synthesized.stack);
  }

  /** `{ <application>: version }`, as a release step names versions. */
  public versions(version: string): Record<string, string> {
    return { [this.application]: version };
  }

  /** Applies a release step with the variables the deploy CLI would set, apply by apply; the state moves on with each that succeeds. */
  public async apply(step: ReleaseStep): Promise<ApplyResult> {
    let total: ApplyResult = { ok: true, seconds: 0, output: "" };
    for (const next of planApplies({ [this.application]: this.variables }, this.releaseState, step)) {
      this.options.log(
        `  terraform apply ${Object.entries(next)
          .map(([name, value]) => `${name}=${value}`)
          .join(" ")}`,
      );
      const result = await this.workspace.apply(
        { ...next, ...this.secretValues(), registry_username: "e2e", registry_password: "e2e" },
        this.logFile,
      );
      total = { ok: result.ok, seconds: total.seconds + result.seconds, output: `${total.output}${result.output}` };
      if (!result.ok) {
        this.options.log(`  apply failed after ${result.seconds.toFixed(1)} s: ${lastError(result.output)}`);
        break;
      }
      this.releaseState = next;
    }
    return total;
  }

  /** Applies the current release state again (after a change of secret or proxy build). */
  public async reapply(): Promise<ApplyResult> {
    this.options.log("  terraform apply (same release variables)");
    const result = await this.workspace.apply(
      { ...this.releaseState, ...this.secretValues(), registry_username: "e2e", registry_password: "e2e" },
      this.logFile,
    );
    if (!result.ok)
      this.options.log(`  apply failed after ${result.seconds.toFixed(1)} s: ${lastError(result.output)}`);
    return result;
  }

  /** Names of the running application containers in a slot (`canary`, `blue`, a replica number). */
  public containersInSlot(slot: string): string[] {
    return this.containerNames({ stopped: false }, "wtfb.role=app", `wtfb.slot=${slot}`);
  }

  /** Names of this environment's test application containers with these labels (`key=value`), running or not. */
  private containerNames(options: { readonly stopped: boolean }, ...labels: string[]): string[] {
    const filters = [`wtfb.application=${this.application}`, `wtfb.environment=${this.environment}`, ...labels];
    return docker([
      "ps",
      ...(options.stopped ? ["-a"] : []),
      "--format",
      "{{.Names}}",
      ...filters.flatMap((label) => ["--filter", `label=${label}`]),
    ])
      .stdout.split("\n")
      .filter(Boolean);
  }

  /** The database dumps in the application's backup volume. */
  public backups(): string[] {
    const volume = `${this.application}-${this.environment}-backups`;
    const listing = docker(
      ["run", "--rm", "-v", `${volume}:/backups:ro`, `${APP_REPOSITORY}:1.0.0`, "ls", "/backups"],
      true,
    );
    return listing.status === 0 ? listing.stdout.split("\n").filter((name) => name.endsWith(".dump")) : [];
  }

  private secretValues(): Record<string, string> {
    return Object.fromEntries(Object.values(this.secretVariables).map((variable) => [variable, this.secretValue]));
  }

  /**
   * Runs `action` under load from both generators and measures it. The load starts `leadSeconds` before the action
   * and goes on `settleSeconds` after it, and for a canary step until each generator has sent
   * `requestsPerCanaryStep` requests after the action.
   */
  public async measure(
    scenario: string,
    action: () => Promise<ActionOutcome>,
    options: MeasureOptions = {},
  ): Promise<Measured> {
    const { ratePerSecond, settleSeconds, requestsPerCanaryStep, log } = this.options;
    log(`${this.environment} (${this.strategy.type}): ${scenario}`);
    const maxSeconds = 900;
    const loads: Array<[(typeof MODES)[number]["mode"], LoadRun]> = MODES.map(({ keepAlive, mode }) => [
      mode,
      startLoad({ port: this.hostPort, keepAlive, ratePerSecond, maxRequests: ratePerSecond * maxSeconds, maxSeconds }),
    ]);
    await sleep((options.leadSeconds ?? 1) * 1000);
    const outcome = await action();
    const actionEndedAt = Date.now();
    const wanted = options.canary?.minRequests ? requestsPerCanaryStep : 0;
    for (;;) {
      await sleep(200);
      const settled = Date.now() - actionEndedAt >= settleSeconds * 1000;
      const enough = loads.every(([, load]) => load.recordsSince(actionEndedAt).length >= wanted);
      const stoppedByItself = loads.some(([, load]) => load.count >= ratePerSecond * maxSeconds);
      if ((settled && enough) || stoppedByItself) break;
    }
    const records = {} as Measured["records"];
    const results: ScenarioResult[] = [];
    for (const [mode, load] of loads) {
      const all = await load.stop();
      records[mode] = all;
      const afterFault =
        outcome.faultAt !== undefined ? all.filter((record) => failed(record) && record.start >= outcome.faultAt!) : [];
      results.push({
        scenario,
        mode,
        figures: figuresOf(all),
        ...(outcome.apply
          ? { apply: { ok: outcome.apply.ok, seconds: outcome.apply.seconds, expectedToFail: outcome.expectedToFail } }
          : {}),
        ...(options.canary
          ? {
              share: canaryShare(
                all.filter((record) => record.start >= actionEndedAt),
                options.canary.version,
                options.canary.weightPercent,
              ),
            }
          : {}),
        ...(outcome.faultAt !== undefined
          ? {
              failuresAfterFaultMs:
                afterFault.length === 0
                  ? 0
                  : Math.round(Math.max(...afterFault.map((record) => record.end)) - outcome.faultAt),
            }
          : {}),
        ...(outcome.note ? { note: outcome.note } : {}),
      });
    }
    for (const result of results) {
      const { figures } = result;
      log(
        `  ${result.mode}: ${figures.requests} requests, ${figures.failed} failed, ${figures.connectionErrors} connection errors, longest failure window ${figures.longestFailureWindowMs} ms, p99 ${figures.p99Ms} ms${result.share ? `, canary ${result.share.sharePercent.toFixed(1)}% at weight ${result.share.weightPercent}%` : ""}`,
      );
    }
    return {
      results,
      records,
      apply: outcome.apply,
      actionEndedAt,
      ...(outcome.faultAt !== undefined ? { faultAt: outcome.faultAt } : {}),
    };
  }
}

/** Kills the running containers of a slot (`docker kill`), returning when it was done. */
export async function killSlot(environment: E2eEnvironment, slot: string): Promise<number> {
  const names = environment.containersInSlot(slot);
  if (names.length === 0)
    throw new Error(`no running ${slot} container of ${environment.application} in ${environment.environment}`);
  const at = Date.now();
  await new Promise<void>((resolve, reject) =>
    spawn("docker", ["kill", ...names], { stdio: "ignore" }).on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`docker kill ${names.join(" ")} failed`)),
    ),
  );
  return at;
}

export function docker(
  args: readonly string[],
  allowFailure = false,
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync("docker", args, { encoding: "utf8", timeout: 120_000 });
  const outcome = { status: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
  if (outcome.status !== 0 && !allowFailure) throw new Error(`docker ${args.join(" ")} failed: ${outcome.stderr}`);
  return outcome;
}

function lastError(output: string): string {
  const errors = output.split("\n").filter((line) => /Error:/.test(line));
  return errors.slice(0, 3).join(" | ") || output.split("\n").slice(-5).join(" | ");
}
