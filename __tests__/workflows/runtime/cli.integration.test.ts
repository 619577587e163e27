import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { PIPELINE_CLI } from "../../../constructs/workflows/deploy-jobs";
import { DEPLOYMENT_METRICS } from "../../../constructs/contract";
import { PROJECT_ROOT, shippedConfigJson, temporaryDirectory } from "../../helpers";

/**
 * The pipeline CLI as the deploy and rollback jobs run it: compiled, in a child process, against stand-ins for
 * GitHub's API, Prometheus, Grafana, the Pushgateway and the application, with `npx` replaced by a recorder of
 * the Terraform variables each `cdktf deploy` would get.
 */
class FakeWorld {
  public readonly variables = new Map<string, string>();
  public readonly deploymentStatuses: any[] = [];
  public readonly annotations: Array<{ method: string; path: string; body: any }> = [];
  public readonly pushes: Array<{ path: string; body: string }> = [];
  public errorRate = 0.001;
  private server!: http.Server;
  public url = "";

  public async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      let text = "";
      request.on("data", (chunk) => (text += chunk));
      request.on("end", () => this.answer(request, text, response));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public stop(): void {
    this.server.close();
  }

  private answer(request: http.IncomingMessage, text: string, response: http.ServerResponse): void {
    const url = new URL(request.url ?? "", this.url);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const variable = /^\/github\/repos\/wtfb\/wtfb-app\/environments\/(\w+)\/variables(?:\/(\w+))?$/.exec(url.pathname);
    if (variable) {
      const key = `${variable[1]}/${variable[2] ?? JSON.parse(text).name}`;
      if (request.method === "GET")
        return this.variables.has(key)
          ? json(200, { name: variable[2], value: this.variables.get(key) })
          : json(404, { message: "Not Found" });
      if (request.method === "PATCH" && !this.variables.has(key)) return json(404, { message: "Not Found" });
      this.variables.set(key, JSON.parse(text).value);
      return json(request.method === "POST" ? 201 : 204, {});
    }
    if (url.pathname === "/github/repos/wtfb/wtfb-app/deployments") return json(200, [{ id: 77 }]);
    if (url.pathname === "/github/repos/wtfb/wtfb-app/deployments/77/statuses") {
      this.deploymentStatuses.push(JSON.parse(text));
      return json(201, {});
    }
    if (url.pathname === "/prometheus/api/v1/query") {
      const query = url.searchParams.get("query") ?? "";
      // The error rate (labelled with the version serving), every target up, every probe succeeding; other queries have no data.
      const result = query.includes('=~"5.."')
        ? [{ metric: { job: "web", version: "1.5.0-abc1234", application: "web" }, value: [0, String(this.errorRate)] }]
        : query.includes("up{") || query.startsWith("probe_success")
          ? [{ metric: { application: "web" }, value: [0, "1"] }]
          : [];
      return json(200, { status: "success", data: { resultType: "vector", result } });
    }
    if (url.pathname.startsWith("/grafana/api/annotations")) {
      this.annotations.push({ method: request.method ?? "", path: url.pathname, body: JSON.parse(text) });
      return json(200, { id: 4242, message: "Annotation added" });
    }
    if (url.pathname.startsWith("/pushgateway/")) {
      this.pushes.push({ path: url.pathname, body: text });
      return json(200, {});
    }
    if (url.pathname === "/app/healthz") return json(200, { ok: true });
    json(404, { message: `no route ${url.pathname}` });
  }
}

interface Run {
  readonly code: number;
  readonly stdout: string;
}

describe("the pipeline CLI the deploy and rollback jobs run", () => {
  const world = new FakeWorld();
  let directory: string;
  let applies: string;

  beforeAll(async () => {
    await world.start();
  });
  afterAll(() => world.stop());

  beforeEach(() => {
    world.variables.clear();
    world.deploymentStatuses.length = 0;
    world.annotations.length = 0;
    world.pushes.length = 0;
    world.errorRate = 0.001;
    directory = temporaryDirectory("cli");
    applies = path.join(directory, "applies.log");
    writeConfig((raw) => (raw.environments.production.deploymentWindow = null));
    const bin = path.join(directory, "bin");
    fs.mkdirSync(bin);
    // Stands in for `npx --no-install cdktf deploy <env> --auto-approve`: records the release variables it was given,
    // and fails the apply numbered FAIL_APPLY (counted over the test) after recording it.
    fs.writeFileSync(
      path.join(bin, "npx"),
      `#!/usr/bin/env bash\n{ echo "$*"; env | grep '^TF_VAR_web_' | sort; echo "--"; } >> "${applies}"\n` +
        `if [ -n "\${FAIL_APPLY:-}" ] && [ "$(grep -c '^--$' "${applies}")" = "$FAIL_APPLY" ]; then exit 1; fi\n`,
      { mode: 0o755 },
    );
  });

  function writeConfig(change: (raw: any) => void): void {
    const raw = shippedConfigJson();
    raw.monitoring.grafanaUrl = `${world.url}/grafana`;
    raw.monitoring.pushgatewayUrl = `${world.url}/pushgateway`;
    raw.environments.production.monitoring.prometheusUrl = `${world.url}/prometheus`;
    raw.environments.production.settings.PUBLIC_URL = `${world.url}/app`;
    change(raw);
    fs.writeFileSync(path.join(directory, "pipeline.config.json"), JSON.stringify(raw));
  }

  function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(PROJECT_ROOT, PIPELINE_CLI), ...args],
        {
          cwd: directory,
          env: {
            PATH: `${path.join(directory, "bin")}:${process.env.PATH}`,
            RUNNER_TEMP: directory,
            GITHUB_OUTPUT: path.join(directory, "output"),
            GITHUB_STEP_SUMMARY: path.join(directory, "summary.md"),
            GITHUB_API_URL: `${world.url}/github`,
            GITHUB_SERVER_URL: "https://github.com",
            GITHUB_REPOSITORY: "wtfb/wtfb-app",
            GITHUB_SHA: "abc1234def5678abc1234def5678abc1234def56",
            GITHUB_REF: "refs/tags/v1.5.0",
            GITHUB_RUN_ID: "7",
            GITHUB_EVENT_NAME: "push",
            GITHUB_TRIGGERING_ACTOR: "alice",
            GITHUB_WORKSPACE: directory,
            WTFB_ENVIRONMENT: "production",
            GH_TOKEN: "admin-token",
            GRAFANA_TOKEN: "grafana-token",
            ...env,
          },
        },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
    });
  }

  /** The Terraform release variables of each `cdktf deploy`, in order. */
  function appliedVariables(): Array<Record<string, string>> {
    if (!fs.existsSync(applies)) return [];
    return fs
      .readFileSync(applies, "utf8")
      .split("--\n")
      .filter(Boolean)
      .map((block) => {
        const [command, ...lines] = block.trim().split("\n");
        expect(command).toBe("--no-install cdktf deploy production --auto-approve");
        return Object.fromEntries(
          lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        );
      });
  }

  function givenProductionServes(version: string, previousKnownGood?: string): void {
    world.variables.set(
      "production/WTFB_RELEASE_STATE",
      JSON.stringify({ web_stable_version: version, web_canary_version: version, web_canary_weight: "0" }),
    );
    world.variables.set("production/KNOWN_GOOD_VERSION_WEB", version);
    if (previousKnownGood) world.variables.set("production/PREVIOUS_KNOWN_GOOD_VERSION_WEB", previousKnownGood);
  }

  test("a canary deployment that fails verification is rolled back to the known-good version and recorded as such", async () => {
    // GIVEN: production serves 1.4.2, known-good
    givenProductionServes("1.4.2");

    // WHEN: CI built 1.5.0-abc1234; it goes out as a canary, and its error rate is 30%
    expect((await cli(["begin", "deployment"], { BUILT_VERSIONS: '{"web": "1.5.0-abc1234"}' })).code).toBe(0);
    expect(fs.readFileSync(path.join(directory, "output"), "utf8")).toBe("web=1.5.0-abc1234\n");
    expect((await cli(["announce", "start"])).code).toBe(0);
    expect((await cli(["apply", "deploy"])).code).toBe(0);
    world.errorRate = 0.3;
    const verify = await cli(["verify", "--minutes", "0"]);
    expect((await cli(["apply", "rollback"])).code).toBe(0);
    expect(
      (
        await cli(["record"], {
          JOB_STATUS: "failure",
          ROLLBACK_OUTCOME: "success",
          STEP_OUTCOMES: "deploy=success verify=failure rollback=success",
          DEPLOYMENTS_TOKEN: "job-token",
        })
      ).code,
    ).toBe(0);
    expect((await cli(["announce", "end"], { JOB_STATUS: "failure", ROLLBACK_OUTCOME: "success" })).code).toBe(0);

    // THEN: the verification failed on the error-rate rule
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain("::error::verification failed: ErrorRateHigh: web=0.3 above 0.01");
    // the canary started beside the stable version at the first weight; the rollback took its traffic away first,
    // then restored the stable version
    expect(appliedVariables()).toEqual([
      { TF_VAR_web_canary_version: "1.5.0-abc1234", TF_VAR_web_canary_weight: "5", TF_VAR_web_stable_version: "1.4.2" },
      { TF_VAR_web_canary_version: "1.5.0-abc1234", TF_VAR_web_canary_weight: "0", TF_VAR_web_stable_version: "1.4.2" },
      { TF_VAR_web_canary_version: "1.4.2", TF_VAR_web_canary_weight: "0", TF_VAR_web_stable_version: "1.4.2" },
    ]);
    expect(JSON.parse(world.variables.get("production/WTFB_RELEASE_STATE") as string)).toEqual({
      web_stable_version: "1.4.2",
      web_canary_version: "1.4.2",
      web_canary_weight: "0",
    });
    expect(world.variables.get("production/KNOWN_GOOD_VERSION_WEB")).toBe("1.4.2");
    // the record: JSON log, deployment status, Pushgateway, summary
    const record = JSON.parse(fs.readFileSync(path.join(directory, "deployment-record.json"), "utf8"));
    expect(record).toMatchObject({
      kind: "deployment",
      environment: "production",
      status: "rolled-back",
      deployer: "alice",
      commit: "abc1234def5678abc1234def5678abc1234def56",
      applications: { web: { version: "1.5.0-abc1234", previousVersion: "1.4.2" } },
    });
    expect(record.issues).toEqual(
      expect.arrayContaining([
        expect.stringContaining("ErrorRateHigh: web=0.3 above 0.01"),
        "rolled back to web 1.4.2",
        "step verify failed",
      ]),
    );
    expect(world.deploymentStatuses).toEqual([
      expect.objectContaining({
        state: "failure",
        description: "deployed web 1.5.0-abc1234: rolled-back",
        log_url: "https://github.com/wtfb/wtfb-app/actions/runs/7",
      }),
    ]);
    expect(world.pushes).toEqual([
      {
        path: "/pushgateway/metrics/job/wtfb_deployments/environment/production/application/web",
        body: expect.stringContaining(`${DEPLOYMENT_METRICS.lastRollback}{reason="automatic: `),
      },
    ]);
    expect(fs.readFileSync(path.join(directory, "summary.md"), "utf8")).toContain(
      "| production | web | `1.5.0-abc1234` | `1.4.2` | `abc1234` | alice | rolled-back |",
    );
    // one Grafana region: opened at the start, closed with the outcome
    expect(world.annotations.map((annotation) => [annotation.method, annotation.path, annotation.body.tags])).toEqual([
      [
        "POST",
        "/grafana/api/annotations",
        ["deployment", "env:production", "app:web", "version:1.5.0-abc1234", "status:started"],
      ],
      [
        "PATCH",
        "/grafana/api/annotations/4242",
        ["deployment", "env:production", "app:web", "version:1.5.0-abc1234", "status:rolled-back"],
      ],
    ]);
    expect(world.annotations[1].body.timeEnd).toBeGreaterThanOrEqual(world.annotations[1].body.time);
  });

  test("a canary rollback whose second apply fails leaves the traffic-off state recorded, and the next rollback finishes from it", async () => {
    // GIVEN: 1.5.0 went out as a canary beside 1.4.2 and serves 5% of traffic
    givenProductionServes("1.4.2");
    expect((await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.5.0" })).code).toBe(0);
    expect((await cli(["apply", "deploy"])).code).toBe(0);

    // WHEN: the rollback's first apply (weight to 0) succeeds and its second (the versions) fails
    const failed = await cli(["apply", "rollback"], { FAIL_APPLY: "3" });

    // THEN: the command fails, the canary gets no traffic, and the recorded state is the one applied
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("cdktf deploy production failed during the rollback step (apply 2 of 2)");
    const trafficOff = { web_stable_version: "1.4.2", web_canary_version: "1.5.0", web_canary_weight: "0" };
    expect(JSON.parse(world.variables.get("production/WTFB_RELEASE_STATE") as string)).toEqual(trafficOff);
    expect(JSON.parse(fs.readFileSync(path.join(directory, "wtfb-deploy-run.json"), "utf8")).releaseState).toEqual(
      trafficOff,
    );

    // WHEN: the rollback runs again
    expect((await cli(["apply", "rollback"])).code).toBe(0);

    // THEN: it starts from the recorded state: one apply, the versions only
    expect(appliedVariables().slice(3)).toEqual([
      { TF_VAR_web_canary_version: "1.4.2", TF_VAR_web_canary_weight: "0", TF_VAR_web_stable_version: "1.4.2" },
    ]);
    expect(JSON.parse(world.variables.get("production/WTFB_RELEASE_STATE") as string)).toEqual({
      web_stable_version: "1.4.2",
      web_canary_version: "1.4.2",
      web_canary_weight: "0",
    });
  });

  test("a healthy deployment passes its smoke tests and verification, and becomes the known-good version", async () => {
    // GIVEN
    givenProductionServes("1.4.2");

    // WHEN
    await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.5.0" });
    await cli(["apply", "deploy"]);
    await cli(["apply", "promote"]);
    const smoke = await cli(["smoke"]);
    const verify = await cli(["verify", "--minutes", "0"]);
    const knownGood = await cli(["record-known-good"]);

    // THEN
    expect([smoke.code, verify.code, knownGood.code]).toEqual([0, 0, 0]);
    expect(smoke.stdout).toContain(`✔ health endpoint answers: GET ${world.url}/app/healthz`);
    expect(appliedVariables()[1]).toEqual({
      TF_VAR_web_canary_version: "1.5.0",
      TF_VAR_web_canary_weight: "0",
      TF_VAR_web_stable_version: "1.5.0",
    });
    expect(world.variables.get("production/KNOWN_GOOD_VERSION_WEB")).toBe("1.5.0");
    expect(world.variables.get("production/PREVIOUS_KNOWN_GOOD_VERSION_WEB")).toBe("1.4.2");
  });

  test("versions built with their digest are deployed and recorded known-good with it; an alert that saw the tag rolls back to the digest before", async () => {
    // GIVEN: production serves 1.4.2 as CI built it, known-good with its digest
    const before = `1.4.2@sha256:${"a0".repeat(32)}`;
    const built = `1.5.0@sha256:${"3f".repeat(32)}`;
    givenProductionServes(before);

    // WHEN: CI's build of 1.5.0 (tag@digest) goes out, is verified and recorded
    expect((await cli(["begin", "deployment"], { BUILT_VERSIONS: JSON.stringify({ web: built }) })).code).toBe(0);
    expect((await cli(["apply", "deploy"])).code).toBe(0);
    expect((await cli(["apply", "promote"])).code).toBe(0);
    expect((await cli(["verify", "--minutes", "0"])).code).toBe(0);
    expect((await cli(["record-known-good"])).code).toBe(0);
    // and later an alert fires on what the application reports, its tag
    const rollback = await cli(["begin", "rollback"], {
      ROLLBACK_APPLICATION: "web",
      ROLLBACK_SEEN_VERSION: "1.5.0",
      ROLLBACK_REASON: "error rate",
      GITHUB_EVENT_NAME: "workflow_dispatch",
    });
    expect((await cli(["apply", "rollback"])).code).toBe(0);

    // THEN: every apply named the digests, the known-good records held them, and the rollback ran the digest before
    expect(rollback.code).toBe(0);
    expect(appliedVariables()).toEqual([
      { TF_VAR_web_canary_version: built, TF_VAR_web_canary_weight: "5", TF_VAR_web_stable_version: before },
      { TF_VAR_web_canary_version: built, TF_VAR_web_canary_weight: "0", TF_VAR_web_stable_version: built },
      { TF_VAR_web_canary_version: before, TF_VAR_web_canary_weight: "0", TF_VAR_web_stable_version: before },
    ]);
    expect(world.variables.get("production/PREVIOUS_KNOWN_GOOD_VERSION_WEB")).toBe(before);
  });

  test("a rollback without a version restores the known-good version before the one serving, and makes it known-good", async () => {
    // GIVEN: 1.5.0 serves and was verified; 1.4.2 was known-good before it
    givenProductionServes("1.5.0", "1.4.2");

    // WHEN
    const begin = await cli(["begin", "rollback"], {
      ROLLBACK_APPLICATION: "all",
      ROLLBACK_REASON: "checkout broken",
      ROLLBACK_ALERT: "CheckoutFlowBroken",
      GITHUB_EVENT_NAME: "workflow_dispatch",
    });
    await cli(["apply", "rollback"]);
    await cli(["record-known-good"]);
    await cli(["record"], { JOB_STATUS: "success", WTFB_RUN_KIND: "rollback" });

    // THEN
    expect(begin.stdout).toContain("web: roll back to 1.4.2 (serving 1.5.0)");
    expect(appliedVariables()).toEqual([
      { TF_VAR_web_canary_version: "1.4.2", TF_VAR_web_canary_weight: "0", TF_VAR_web_stable_version: "1.4.2" },
    ]);
    expect(world.variables.get("production/KNOWN_GOOD_VERSION_WEB")).toBe("1.4.2");
    const record = JSON.parse(fs.readFileSync(path.join(directory, "deployment-record.json"), "utf8"));
    expect(record).toMatchObject({
      kind: "rollback",
      status: "success",
      reason: "checkout broken",
      alertname: "CheckoutFlowBroken",
      trigger: "workflow_dispatch",
    });
    expect(world.pushes[0].body).toContain(`${DEPLOYMENT_METRICS.lastRollback}{reason="checkout broken"}`);
  });

  test("fails when a rollback has no known-good version to go to, saying how to give one", async () => {
    world.variables.set(
      "production/WTFB_RELEASE_STATE",
      JSON.stringify({ web_stable_version: "1.5.0", web_canary_version: "1.5.0", web_canary_weight: "0" }),
    );
    const begin = await cli(["begin", "rollback"], { ROLLBACK_APPLICATION: "web" });
    expect(begin.code).toBe(1);
    expect(begin.stdout).toContain(
      "::error::no known-good version of web other than the one serving is recorded in production; dispatch the rollback with a version",
    );
  });

  test("fails when a requested version is not an image tag, before anything is applied", async () => {
    const begin = await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.5.0$(touch pwned)" });
    expect(begin.code).toBe(1);
    expect(begin.stdout).toContain(
      "::error::the version of web is not an image tag (letters, digits, . _ -; at most 128), optionally followed by @sha256:<64 hex digits>",
    );
    expect(appliedVariables()).toEqual([]);
  });

  describe("rollbacks started by alerts", () => {
    test("a deploy's own rollback and the alert's queued rollback roll back once: the alert saw a version that no longer serves", async () => {
      // GIVEN: 1.4.1 known-good (1.4.0 before it); 1.4.2 deployed, failed, and its job rolled back to 1.4.1
      givenProductionServes("1.4.1", "1.4.0");

      // WHEN: the alert, which saw 1.4.2, starts its rollback afterwards
      const begin = await cli(["begin", "rollback"], {
        ROLLBACK_APPLICATION: "web",
        ROLLBACK_SEEN_VERSION: "1.4.2",
        ROLLBACK_REASON: "error rate",
        ROLLBACK_ALERT: "ErrorRateHigh",
        GITHUB_EVENT_NAME: "workflow_dispatch",
      });
      const apply = await cli(["apply", "rollback"]);
      const knownGood = await cli(["record-known-good"]);
      await cli(["record"], { JOB_STATUS: "success", WTFB_RUN_KIND: "rollback" });

      // THEN: nothing is applied, nothing changes, and the record says why
      expect([begin.code, apply.code, knownGood.code]).toEqual([0, 0, 0]);
      expect(begin.stdout).toContain("::notice::rollback skipped: the alert saw web 1.4.2, but 1.4.1 serves now");
      expect(appliedVariables()).toEqual([]);
      expect(world.variables.get("production/KNOWN_GOOD_VERSION_WEB")).toBe("1.4.1");
      const record = JSON.parse(fs.readFileSync(path.join(directory, "deployment-record.json"), "utf8"));
      expect(record).toMatchObject({ kind: "rollback", status: "skipped" });
      expect(world.pushes).toEqual([]);
    });

    test("after a rollback whose own verification failed, the next one never goes back to the version it left", async () => {
      // GIVEN: 1.5.0 serves and is known-good, 1.4.2 before it; an alert about 1.5.0 rolls back to 1.4.2, whose verification fails
      givenProductionServes("1.5.0", "1.4.2");
      await cli(["begin", "rollback"], {
        ROLLBACK_APPLICATION: "web",
        ROLLBACK_SEEN_VERSION: "1.5.0",
        ROLLBACK_REASON: "error rate",
      });
      await cli(["apply", "rollback"]);
      world.errorRate = 0.3;
      expect((await cli(["verify", "--minutes", "0"])).code).toBe(1);

      // WHEN: an alert about 1.4.2 asks for the next rollback
      fs.rmSync(path.join(directory, "wtfb-deploy-run.json"));
      const next = await cli(["begin", "rollback"], {
        ROLLBACK_APPLICATION: "web",
        ROLLBACK_SEEN_VERSION: "1.4.2",
        ROLLBACK_REASON: "error rate",
      });

      // THEN: 1.5.0 (still "known-good") is refused as the version the first rollback left; nothing else is known
      expect(next.code).toBe(1);
      expect(next.stdout).toContain(
        "::error::no known-good version of web other than the one serving is recorded in production (earlier rollbacks left 1.5.0); dispatch the rollback with a version",
      );
      expect(appliedVariables().map((variables) => variables.TF_VAR_web_stable_version)).toEqual(["1.4.2"]);
      expect(JSON.parse(world.variables.get("production/WTFB_REJECTED_VERSIONS") as string)).toEqual({
        web: ["1.5.0"],
      });
    });

    test("a version verified by a later deployment leaves the rejected list", async () => {
      givenProductionServes("1.4.2");
      world.variables.set("production/WTFB_REJECTED_VERSIONS", JSON.stringify({ web: ["1.5.0", "1.3.0"] }));
      await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.5.0" });
      await cli(["apply", "deploy"]);
      expect((await cli(["record-known-good"])).code).toBe(0);
      expect(JSON.parse(world.variables.get("production/WTFB_REJECTED_VERSIONS") as string)).toEqual({
        web: ["1.3.0"],
      });
    });
  });

  test("fails under CI when the environment keeps its Terraform state locally, naming the field and the fix", async () => {
    writeConfig((raw) => {
      raw.environments.production.deploymentWindow = null;
      raw.environments.production.backend = { type: "local" };
    });
    givenProductionServes("1.4.2");
    const begin = await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.5.0", GITHUB_ACTIONS: "true" });
    expect(begin.code).toBe(1);
    expect(begin.stdout).toContain(
      "::error::environments.production.backend is local, so this runner has no Terraform state of production and would apply from nothing. Set environments.production.backend to a remote backend",
    );
    expect(appliedVariables()).toEqual([]);
  });

  test("a smoke test failing without a run state reports the failing test, not a missing state", async () => {
    writeConfig(
      (raw) => (raw.environments.production.deploy = { smokeTests: [{ name: "checkout answers", command: "exit 3" }] }),
    );
    const smoke = await cli(["smoke"]);
    expect(smoke.code).toBe(1);
    expect(smoke.stdout).toContain(
      '::error::1 smoke test(s) failed: smoke test "checkout answers" failed: the command exited with 3',
    );
    expect(smoke.stdout).not.toContain("no run state");
  });

  describe("the deployment window", () => {
    const hour = new Date().getUTCHours();
    const at = (offset: number) => `${String((hour + offset + 24) % 24).padStart(2, "0")}:00`;
    const everyDay = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    test("a deployment inside the window goes ahead", async () => {
      writeConfig((raw) => {
        raw.environments.production.deploymentWindow = { days: everyDay, start: at(-2), end: at(2), timezone: "UTC" };
        raw.workflows.releaseCron = `0 ${hour} * * *`;
      });
      const run = await cli(["check-window"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("is inside the deployment window");
    });

    test("fails when a deployment starts outside the window, unless it is an emergency", async () => {
      // GIVEN: a window from three to five hours from now
      writeConfig((raw) => {
        raw.environments.production.deploymentWindow = { days: everyDay, start: at(3), end: at(5), timezone: "UTC" };
        raw.workflows.releaseCron = `0 ${(hour + 4) % 24} * * *`;
      });
      givenProductionServes("1.4.2");
      await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.5.0" });

      // WHEN
      const refused = await cli(["check-window"], { EMERGENCY: "false" });
      const emergency = await cli(["check-window"], { EMERGENCY: "true" });

      // THEN
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain(
        `is outside production's deployment window (sun, mon, tue, wed, thu, fri, sat ${at(3)}–${at(5)} UTC)`,
      );
      expect(refused.stdout).toContain("dispatch the workflow with emergency: true");
      expect(emergency.code).toBe(0);
      await cli(["record"], { JOB_STATUS: "success" });
      expect(JSON.parse(fs.readFileSync(path.join(directory, "deployment-record.json"), "utf8")).issues).toEqual([
        expect.stringMatching(/^emergency deployment at .* outside the deployment window/),
      ]);
    });
  });
});
