import { execFile, spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { PIPELINE_CLI } from "../../../constructs/workflows/deploy-jobs";
import { describeWhen, PROJECT_ROOT, shippedConfigJson, temporaryDirectory } from "../../helpers";

/**
 * Rollbacks and verification against a real Prometheus (Debian's `prometheus`, started here on 127.0.0.1 with a
 * one-second scrape interval) scraping a small application whose error rate, version and health the test sets, and
 * the pipeline CLI run as the rollback job runs it. Stand-ins, and their limits: GitHub's API is an in-process
 * server (the CLI honours GITHUB_API_URL) holding the environment variables; `cdktf deploy` is an `npx` on PATH that
 * records the release variables it gets (the applies themselves are the runtime's tests); the alert is Prometheus
 * evaluating the environment's ErrorRateHigh query, whose version label is what Grafana's alert would carry into
 * the dispatch, rather than Grafana itself.
 */
const prometheusBinary = spawnSync("bash", ["-c", "command -v prometheus"], { encoding: "utf8" }).stdout.trim();

/** The application: per scrape, 100 more requests of which `errorRate` failed, labelled with the version it serves. */
class Application {
  public version = "1.5.0";
  public errorRate = 0;
  public metricsDown = false;
  public probeReporting = true;
  private ok = 0;
  private failed = 0;
  private server!: http.Server;
  public port = 0;

  public async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      if (request.url === "/metrics") {
        if (this.metricsDown) {
          response.writeHead(503).end("unavailable");
          return;
        }
        const failedNow = Math.round(100 * this.errorRate);
        this.ok += 100 - failedNow;
        this.failed += failedNow;
        response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
        response.end(
          [
            "# TYPE http_requests_total counter",
            `http_requests_total{status="200",version="${this.version}"} ${this.ok}`,
            `http_requests_total{status="500",version="${this.version}"} ${this.failed}`,
            "",
          ].join("\n"),
        );
        return;
      }
      if (request.url === "/probe") {
        // Like the blackbox exporter, scraped with honor_labels: the series names the probed URL.
        response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
        response.end(
          this.probeReporting ? 'probe_success{instance="https://wtfb.example/checkout"} 1\n' : "# no probe result\n",
        );
        return;
      }
      if (request.url === "/healthz") {
        response.writeHead(200).end("ok");
        return;
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** A new version starts its counters from zero, as a new container does. */
  public serve(version: string, errorRate: number): void {
    this.version = version;
    this.errorRate = errorRate;
    this.ok = 0;
    this.failed = 0;
  }

  public stop(): void {
    this.server.close();
  }
}

/** GitHub's environment variables and deployments API, in process. */
class GitHub {
  public readonly variables = new Map<string, string>();
  private server!: http.Server;
  public url = "";

  public async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      let text = "";
      request.on("data", (chunk) => (text += chunk));
      request.on("end", () => {
        const json = (status: number, body: unknown) =>
          response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
        const url = new URL(request.url ?? "", "http://localhost");
        const variable = /^\/repos\/wtfb\/wtfb-app\/environments\/(\w+)\/variables(?:\/(\w+))?$/.exec(url.pathname);
        if (!variable) return json(404, { message: `no route ${url.pathname}` });
        const key = `${variable[1]}/${variable[2] ?? JSON.parse(text).name}`;
        if (request.method === "GET")
          return this.variables.has(key)
            ? json(200, { value: this.variables.get(key) })
            : json(404, { message: "Not Found" });
        if (request.method === "PATCH" && !this.variables.has(key)) return json(404, { message: "Not Found" });
        this.variables.set(key, JSON.parse(text).value);
        return json(request.method === "POST" ? 201 : 204, {});
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public stop(): void {
    this.server.close();
  }
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

describeWhen(prometheusBinary !== "", "prometheus is not installed (apt-get install -y prometheus)")(
  "rollback and verification against a real Prometheus",
  () => {
    const directory = temporaryDirectory("rollback-prometheus");
    const application = new Application();
    const github = new GitHub();
    let prometheus: ChildProcess;
    let prometheusUrl = "";
    const applies = path.join(directory, "applies.log");

    beforeAll(async () => {
      await Promise.all([application.start(), github.start()]);
      const port = await freePort();
      prometheusUrl = `http://127.0.0.1:${port}`;
      fs.writeFileSync(
        path.join(directory, "prometheus.yml"),
        [
          "global: { scrape_interval: 1s, evaluation_interval: 1s }",
          "scrape_configs:",
          `  - { job_name: web, static_configs: [{ targets: ["127.0.0.1:${application.port}"] }] }`,
          `  - { job_name: blackbox, metrics_path: /probe, honor_labels: true, static_configs: [{ targets: ["127.0.0.1:${application.port}"] }] }`,
          "",
        ].join("\n"),
      );
      prometheus = spawn(
        prometheusBinary,
        [
          `--config.file=${path.join(directory, "prometheus.yml")}`,
          `--storage.tsdb.path=${path.join(directory, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: "ignore" },
      );
      // Ready, then scraped a few times: rate() needs two samples inside its window.
      for (let attempt = 0; attempt < 100; attempt++) {
        const ready = await fetch(`${prometheusUrl}/-/ready`)
          .then((response) => response.ok)
          .catch(() => false);
        if (ready) break;
        await sleep(200);
      }
      await sleep(4_000);

      const raw = shippedConfigJson();
      raw.monitoring.metrics = { ...raw.monitoring.metrics, scrapeIntervalSeconds: 1 };
      raw.environments.production.monitoring.prometheusUrl = prometheusUrl;
      raw.environments.production.deploymentWindow = null;
      raw.environments.production.settings.PUBLIC_URL = `http://127.0.0.1:${application.port}`;
      fs.writeFileSync(path.join(directory, "pipeline.config.json"), JSON.stringify(raw));
      fs.mkdirSync(path.join(directory, "bin"));
      fs.writeFileSync(
        path.join(directory, "bin", "npx"),
        `#!/usr/bin/env bash\n{ env | grep '^TF_VAR_web_' | sort; echo "--"; } >> "${applies}"\n`,
        { mode: 0o755 },
      );
    }, 60_000);

    afterAll(() => {
      prometheus?.kill("SIGTERM");
      application.stop();
      github.stop();
    });

    beforeEach(() => {
      github.variables.clear();
      fs.rmSync(applies, { force: true });
      fs.rmSync(path.join(directory, "wtfb-deploy-run.json"), { force: true });
    });

    function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
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
              GITHUB_API_URL: github.url,
              GITHUB_REPOSITORY: "wtfb/wtfb-app",
              GITHUB_WORKSPACE: directory,
              WTFB_ENVIRONMENT: "production",
              GH_TOKEN: "deploy-token",
              ...env,
            },
          },
          (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
        );
      });
    }

    function appliedStableVersions(): string[] {
      if (!fs.existsSync(applies)) return [];
      return fs
        .readFileSync(applies, "utf8")
        .split("--\n")
        .filter(Boolean)
        .map((block) => /TF_VAR_web_stable_version=(.*)/.exec(block)?.[1] ?? "");
    }

    function productionServes(version: string, previousKnownGood: string): void {
      github.variables.set(
        "production/WTFB_RELEASE_STATE",
        JSON.stringify({ web_stable_version: version, web_canary_version: version, web_canary_weight: "0" }),
      );
      github.variables.set("production/KNOWN_GOOD_VERSION_WEB", version);
      github.variables.set("production/PREVIOUS_KNOWN_GOOD_VERSION_WEB", previousKnownGood);
    }

    /** The environment's ErrorRateHigh query, evaluated by Prometheus: the breaching series and their version label. */
    async function alertingVersions(threshold: number): Promise<string[]> {
      const query = `sum by (job, version) (rate(http_requests_total{job="web",status=~"5.."}[4s])) / sum by (job, version) (rate(http_requests_total{job="web"}[4s]))`;
      const body = (await (await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query })}`)).json()) as {
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      return body.data.result
        .filter((series) => Number(series.value[1]) > threshold)
        .map((series) => series.metric.version);
    }

    test("one alert, one rollback, to the version before the one the alert saw; the alert's repeat is skipped", async () => {
      // GIVEN: production serves 1.5.0 (known-good, 1.4.2 before it), and 30% of its requests fail
      productionServes("1.5.0", "1.4.2");
      application.serve("1.5.0", 0.3);
      await sleep(4_000);

      // WHEN: the alert fires on the version it sees, and its dispatch starts the rollback job
      const seen = await alertingVersions(0.01);
      expect(seen).toEqual(["1.5.0"]);
      // (What the alert saw, the verification sees too.)
      await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.5.0" });
      const verifyBefore = await cli(["verify", "--minutes", "0"]);
      fs.rmSync(path.join(directory, "wtfb-deploy-run.json"));
      const begin = await cli(["begin", "rollback"], {
        ROLLBACK_APPLICATION: "web",
        ROLLBACK_SEEN_VERSION: seen[0],
        ROLLBACK_REASON: "error rate",
        ROLLBACK_ALERT: "ErrorRateHigh",
      });
      const apply = await cli(["apply", "rollback"]);
      // The rolled-back version serves, healthy.
      application.serve("1.4.2", 0);
      await sleep(6_000);
      const verifyAfter = await cli(["verify", "--minutes", "0"]);
      const knownGood = await cli(["record-known-good"]);
      // Grafana repeats the notification while the alert's last state holds: the same dispatch again.
      fs.rmSync(path.join(directory, "wtfb-deploy-run.json"));
      const repeat = await cli(["begin", "rollback"], {
        ROLLBACK_APPLICATION: "web",
        ROLLBACK_SEEN_VERSION: seen[0],
        ROLLBACK_REASON: "error rate",
        ROLLBACK_ALERT: "ErrorRateHigh",
      });
      const repeatApply = await cli(["apply", "rollback"]);

      // THEN
      expect(verifyBefore.code).toBe(1);
      expect(verifyBefore.stdout).toMatch(/ErrorRateHigh: web=0\.3 above 0\.01/);
      expect([begin.code, apply.code, verifyAfter.code, knownGood.code, repeat.code, repeatApply.code]).toEqual([
        0, 0, 0, 0, 0, 0,
      ]);
      expect(begin.stdout).toContain("web: roll back to 1.4.2 (serving 1.5.0)");
      expect(repeat.stdout).toContain("rollback skipped: the alert saw web 1.5.0, but 1.4.2 serves now");
      expect(appliedStableVersions()).toEqual(["1.4.2"]);
      expect(github.variables.get("production/KNOWN_GOOD_VERSION_WEB")).toBe("1.4.2");
    }, 60_000);

    /** 1.4.2 serving with `fault` on, once Prometheus has scraped it: `verify` must fail with `error`. */
    async function verificationFailsWith(fault: "probeReporting" | "metricsDown", error: string): Promise<void> {
      productionServes("1.4.2", "1.4.1");
      application.serve("1.4.2", 0);
      if (fault === "probeReporting") application.probeReporting = false;
      else application.metricsDown = true;
      await sleep(3_000);
      try {
        await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.4.2" });
        const verify = await cli(["verify", "--minutes", "0"]);
        expect(verify.code).toBe(1);
        expect(verify.stdout).toContain(`::error::verification failed: ${error}`);
      } finally {
        application.probeReporting = true;
        application.metricsDown = false;
      }
    }

    test("fails verification when a rollback rule has no data: the checkout probe stopped reporting", async () => {
      await verificationFailsWith("probeReporting", "CheckoutFlowBroken: no data for 1 check(s) in a row");
    }, 30_000);

    test("fails verification when the target is down: /metrics answers 503", async () => {
      await verificationFailsWith("metricsDown", "TargetDown: web=0 below 1 for 1 check(s) in a row");
    }, 30_000);

    test("a healthy service passes verification", async () => {
      productionServes("1.4.2", "1.4.1");
      application.serve("1.4.2", 0);
      await sleep(3_000);
      await cli(["begin", "deployment"], { REQUESTED_VERSION: "1.4.2" });
      const verify = await cli(["verify", "--minutes", "0"]);
      expect({ code: verify.code, stdout: verify.stdout }).toEqual({
        code: 0,
        stdout: expect.stringContaining("TargetDown: web=1"),
      });
    }, 30_000);
  },
);
