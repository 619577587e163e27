/**
 * The synthesized proxy configuration serving real traffic: the real nginx runs it, a small DNS responder on
 * 127.0.0.11 stands in for Docker's embedded DNS, and two HTTP servers stand in for the slots. Needs nginx and root
 * (DNS port 53, nginx binding the config's port 8080); CI has both (.ci/run).
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as dgram from "dgram";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { describeWhen } from "../helpers";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import { PROXY_LISTEN_PORT } from "../../constructs/runtime/nginx-config";
import { NGINX, containerNamed, synthDeployment, uploadedFile, type TerraformJson } from "./fixtures";
import { renderTerraformTemplate, type TemplateVariables } from "./terraform-template";

/** Inside a container on a Docker network, 127.0.0.11:53 is Docker's own DNS (redirected by iptables): not ours to bind. */
const dockerDnsPresent = fs.existsSync("/etc/resolv.conf") && /^nameserver\s+127\.0\.0\.11\s*$/m.test(fs.readFileSync("/etc/resolv.conf", "utf8"));
const describeTraffic = describeWhen(
  NGINX !== undefined && process.getuid?.() === 0 && !dockerDnsPresent,
  "the proxy traffic tests need nginx, root, and 127.0.0.11:53 free (not inside a container on a Docker network); nginx -t still checks the configs",
);

/** IPs of the stand-in slots; the DNS responder maps container names onto them. */
const SLOT_A = "127.0.0.2";
const SLOT_B = "127.0.0.3";

/** A minimal DNS responder: A records from `records`, NXDOMAIN for anything else. */
function startDns(records: Map<string, string[]>): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (query, remote) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset] !== 0) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString());
      offset += query[offset] + 1;
    }
    const question = query.subarray(12, offset + 5);
    const addresses = records.get(labels.join(".").toLowerCase()) ?? [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(addresses.length > 0 ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const answers = addresses.map((address) => Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4]), Buffer.from(address.split(".").map(Number))]));
    socket.send(Buffer.concat([header, question, ...answers]), remote.port, remote.address);
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address: "127.0.0.11", port: 53 }, () => resolve(socket));
  });
}

/** An HTTP server on one stand-in slot address, answering with its name. */
function startSlot(address: string, name: string, port: number): Promise<http.Server> {
  const server = http.createServer((_request, response) => response.end(name));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve(server));
  });
}

function get(pathname: string): Promise<{ status: number; body: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port: PROXY_LISTEN_PORT, path: pathname, agent: false }, (response) => {
        let body = "";
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body, retryAfter: response.headers["retry-after"] as string | undefined }));
      })
      .on("error", reject);
  });
}

async function bodies(count: number): Promise<string[]> {
  const results: string[] = [];
  for (let index = 0; index < count; index++) results.push((await get("/")).body);
  return results;
}

/** The real nginx running the synthesized nginx.conf and routing, laid out as in the proxy container. */
class RunningProxy {
  public static async start(json: TerraformJson, containerPrefix: string, variables: TemplateVariables): Promise<RunningProxy> {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-proxy-"));
    fs.mkdirSync(path.join(directory, "routing"));
    const proxy = new RunningProxy(json, containerPrefix, directory);
    fs.writeFileSync(path.join(directory, "nginx.conf"), uploadedFile(containerNamed(json, `${containerPrefix}-proxy`), "/etc/nginx/nginx.conf"));
    proxy.writeRouting(variables);
    const log = fs.openSync(path.join(directory, "nginx.log"), "w");
    proxy.process = spawn(NGINX!, proxy.nginxArguments(["-g", `daemon off; pid ${path.join(directory, "nginx.pid")};`]), { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    await proxy.until(async () => (await get("/__wtfb/proxy-health").catch(() => ({ status: 0 }))).status === 200, "nginx answers its health check");
    return proxy;
  }

  private process?: ChildProcess;

  private constructor(
    private readonly json: TerraformJson,
    private readonly containerPrefix: string,
    private readonly directory: string,
  ) {}

  /**
   * Publishes routing for new variable values and reloads nginx, as the routing container and supervisor do, then
   * waits until a batch of responses shows the new routing and the old workers have had time to finish.
   */
  public async reroute(variables: TemplateVariables, reached: (batch: string[]) => boolean): Promise<void> {
    this.writeRouting(variables);
    const reload = spawnSync(NGINX!, this.nginxArguments(["-g", `pid ${path.join(this.directory, "nginx.pid")};`, "-s", "reload"]), { stdio: "ignore" });
    expect(reload.status).toBe(0);
    await this.until(async () => reached(await bodies(10)), "the reloaded routing serves");
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  public async stop(): Promise<void> {
    const process = this.process;
    if (process && process.exitCode === null) {
      const exited = new Promise((resolve) => process.once("exit", resolve));
      process.kill("SIGQUIT");
      await exited;
    }
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private writeRouting(variables: TemplateVariables): void {
    const template = uploadedFile(containerNamed(this.json, `${this.containerPrefix}-routing`), "/wtfb/check/routing/routing.conf");
    fs.writeFileSync(path.join(this.directory, "routing", "routing.conf"), renderTerraformTemplate(template, variables));
  }

  private nginxArguments(extra: string[]): string[] {
    return ["-c", path.join(this.directory, "nginx.conf"), "-p", `${this.directory}/`, ...extra];
  }

  private async until(condition: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; nginx log:\n${fs.readFileSync(path.join(this.directory, "nginx.log"), "utf8")}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describeTraffic("the synthesized proxy routing real requests", () => {
  const records = new Map<string, string[]>();
  let dns: dgram.Socket;
  let slots: http.Server[];
  let proxy: RunningProxy | undefined;

  beforeAll(async () => {
    dns = await startDns(records);
    slots = [await startSlot(SLOT_A, "A", 3000), await startSlot(SLOT_B, "B", 3000)];
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    records.clear();
  });
  afterAll(async () => {
    dns.close();
    await Promise.all(slots.map((slot) => new Promise((resolve) => slot.close(resolve))));
  });

  it("blue-green: every request goes to the active slot, and a switch reloads without a restart", async () => {
    // GIVEN the staging proxy with blue active, blue and green on the network
    const { json } = synthDeployment({ strategy: DeploymentStrategy.blueGreen() });
    records.set("web-staging-blue", [SLOT_A]).set("web-staging-green", [SLOT_B]);
    proxy = await RunningProxy.start(json, "web-staging", { web_active_slot: "blue" });
    // THEN blue serves everything
    expect(new Set(await bodies(50))).toEqual(new Set(["A"]));
    // WHEN the active slot switches to green / THEN green serves everything
    await proxy.reroute({ web_active_slot: "green" }, (batch) => batch.every((body) => body === "B"));
    expect(new Set(await bodies(50))).toEqual(new Set(["B"]));
  });

  it("canary: the canary gets about its weight's share of requests, none at weight 0", async () => {
    // GIVEN the production proxy at weight 0
    const { json } = synthDeployment({ strategy: DeploymentStrategy.canary(), environmentName: "production" });
    records.set("web-production-stable", [SLOT_A]).set("web-production-canary", [SLOT_B]);
    proxy = await RunningProxy.start(json, "web-production", { web_canary_weight: 0 });
    expect(new Set(await bodies(100))).toEqual(new Set(["A"]));
    // WHEN the weight rises to 25 / THEN about a quarter of 400 requests reach the canary
    await proxy.reroute({ web_canary_weight: 25 }, (batch) => batch.includes("B"));
    const canaryShare = (await bodies(400)).filter((body) => body === "B").length / 400;
    expect(canaryShare).toBeGreaterThan(0.15);
    expect(canaryShare).toBeLessThan(0.35);
    // WHEN it reaches 100 / THEN every request reaches the canary
    await proxy.reroute({ web_canary_weight: 100 }, (batch) => batch.every((body) => body === "B"));
    expect(new Set(await bodies(50))).toEqual(new Set(["B"]));
  });

  it("rolling: balances over every replica behind the service name, and answers 503 when none is left", async () => {
    // GIVEN two replicas behind the shared network name
    const { json } = synthDeployment({ strategy: DeploymentStrategy.rolling({ replicas: 2 }) });
    records.set("web-staging", [SLOT_A, SLOT_B]);
    proxy = await RunningProxy.start(json, "web-staging", {});
    // THEN both replicas serve
    expect(new Set(await bodies(20))).toEqual(new Set(["A", "B"]));
    // WHEN no replica is left (scale-down during a migration) and the DNS answer has expired (valid=5s)
    records.clear();
    await new Promise((resolve) => setTimeout(resolve, 6000));
    // THEN callers get a retryable 503, not a 502
    expect(await get("/")).toMatchObject({ status: 503, retryAfter: "30", body: "web is being deployed; retry in a few seconds\n" });
  }, 20000);
});
