/**
 * The synthesized proxy configuration serving real traffic: the real nginx runs, as in the proxy container, the edge
 * (edge.conf as uploaded) in front of the router (the nginx.conf and routing the routing container publishes,
 * Terraform's values filled in, container names as 127.0.0.x addresses), in front of small HTTP servers standing in
 * for the slots. Test-side changes, and only these: the edge's port, the router's port and the pid files move into
 * the test's directory. Needs nginx only (a high port, no root). Every loop is bounded in count and time, and all
 * traffic goes to 127.0.0.x.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo, Socket } from "net";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { describeWhen } from "../helpers";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import {
  EDGE_ERROR_LOG,
  HANDOVER_FILE,
  PROXY_LISTEN_PORT,
  ROUTER_ACCESS_LOG,
  ROUTER_ADDRESS,
  ROUTER_ERROR_LOG,
} from "../../constructs/runtime/nginx-config";
import { EDGE_CONFIG_FILE } from "../../constructs/runtime/private/shell-scripts";
import { NGINX, containerNamed, synthDeployment, uploadedFile, type TerraformJson } from "./fixtures";
import { renderTerraformTemplate, type TemplateVariables } from "./terraform-template";

const describeTraffic = describeWhen(
  NGINX !== undefined,
  "the proxy failover tests need nginx; install Debian's nginx-light (.ci/run does)",
);

/** The port the stand-in slots listen on (the deployment's containerPort). */
const SLOT_PORT = 38517;
const SLOT_A = "127.0.0.2";
const SLOT_B = "127.0.0.3";

/** A stand-in slot: answers with its name, or with `status` once told to fail; can be killed (connections refused). */
class Slot {
  public static async start(address: string, name: string): Promise<Slot> {
    const slot = new Slot(address, name);
    await slot.listen();
    return slot;
  }

  public status = 200;
  public served = 0;
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly address: string,
    private readonly name: string,
  ) {}

  public listen(): Promise<void> {
    const server = http.createServer((_request, response) => {
      this.served += 1;
      response.statusCode = this.status;
      response.end(this.status === 200 ? this.name : `${this.name} failing`);
    });
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(SLOT_PORT, this.address, () => resolve());
    });
  }

  /** Gone at once, as a killed container: the port refuses, open connections are reset. */
  public kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

interface Response {
  readonly status: number;
  readonly body: string;
  readonly retryAfter?: string;
  readonly milliseconds: number;
}

function get(port: number, pathname: string, agent: http.Agent | false = false): Promise<Response> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: pathname, agent, timeout: 15000 }, (response) => {
      let body = "";
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          body,
          retryAfter: response.headers["retry-after"] as string | undefined,
          milliseconds: Date.now() - started,
        }),
      );
    });
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", reject);
  });
}

/** `count` requests, `concurrency` at a time; each outcome, errors as status 0 with the message as body. */
async function load(
  port: number,
  count: number,
  concurrency: number,
  agent: http.Agent | false = false,
  during?: (sent: number) => void,
): Promise<Response[]> {
  const results: Response[] = [];
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent += 1;
      during?.(sent);
      results.push(
        await get(port, "/", agent).catch((error: Error) => ({ status: 0, body: error.message, milliseconds: 0 })),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The real nginx running the published nginx.conf and routing.conf, laid out as in the proxy's routing volume. */
class RunningProxy {
  public static async start(json: TerraformJson, variables: TemplateVariables): Promise<RunningProxy> {
    const proxy = new RunningProxy(json, fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-proxy-")), await freePort());
    // nginx's workers (nobody, when the test runs as root) look for the handover file in it, as in /tmp of the
    // container: they need to pass through it and the test's temporary directory.
    for (const directory of [os.tmpdir(), proxy.directory]) fs.chmodSync(directory, 0o711);
    const routerAddress = `127.0.0.1:${await freePort()}`;
    const nginxConf = uploadedFile(containerNamed(json, "web-staging-routing"), "/wtfb/check/nginx.conf");
    const edgeConf = uploadedFile(containerNamed(json, "web-staging-proxy"), EDGE_CONFIG_FILE);
    expect(edgeConf).toContain(`listen ${PROXY_LISTEN_PORT} reuseport;`);
    expect(nginxConf).toContain(`listen ${ROUTER_ADDRESS} reuseport;`);
    fs.writeFileSync(
      path.join(proxy.directory, "nginx.conf"),
      nginxConf
        .replace(`listen ${ROUTER_ADDRESS} reuseport;`, `listen ${routerAddress};`)
        .replace("pid /tmp/wtfb-nginx.pid;", `pid ${path.join(proxy.directory, "router.pid")};`)
        .replace(ROUTER_ACCESS_LOG, path.join(proxy.directory, "router-access.log"))
        .replace(ROUTER_ERROR_LOG, path.join(proxy.directory, "router-error.log")),
    );
    fs.writeFileSync(
      path.join(proxy.directory, "edge.conf"),
      edgeConf
        .replace(`listen ${PROXY_LISTEN_PORT} reuseport;`, `listen 127.0.0.1:${proxy.port};`)
        .replace(`-f ${HANDOVER_FILE}`, `-f ${proxy.handoverFile}`)
        .replace(`server ${ROUTER_ADDRESS} `, `server ${routerAddress} `)
        .replace("pid /tmp/wtfb-edge.pid;", `pid ${path.join(proxy.directory, "edge.pid")};`)
        .replace(EDGE_ERROR_LOG, path.join(proxy.directory, "edge-error.log")),
    );
    proxy.writeRouting(variables);
    proxy.router = proxy.spawnNginx("nginx.conf", "router.log");
    proxy.edge = proxy.spawnNginx("edge.conf", "edge.log");
    await proxy.until(
      async () => (await get(proxy.port, "/__wtfb/proxy-health").catch(() => ({ status: 0 }))).status === 200,
      "the proxy answers its health check through edge and router",
    );
    return proxy;
  }

  private router?: ChildProcess;
  private edge?: ChildProcess;

  private constructor(
    private readonly json: TerraformJson,
    private readonly directory: string,
    public readonly port: number,
  ) {}

  /** Publishes routing for new values and reloads nginx gracefully (SIGHUP), as the routing container and supervisor do. */
  /** The edge's handover flag, in the test's directory: present while the proxy container is stopping. */
  public get handoverFile(): string {
    return path.join(this.directory, "handover");
  }

  public reroute(variables: TemplateVariables): void {
    this.writeRouting(variables);
    this.reload();
  }

  public reload(): void {
    // nginx opens /dev/stderr, which cannot be opened on the socket Node's pipes use: its output goes to a file.
    const log = fs.openSync(path.join(this.directory, "nginx-t.log"), "w");
    const check = spawnSync(
      NGINX!,
      ["-t", "-q", "-c", path.join(this.directory, "nginx.conf"), "-p", `${this.directory}/`],
      { stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    expect({ status: check.status, output: fs.readFileSync(path.join(this.directory, "nginx-t.log"), "utf8") }).toEqual(
      { status: 0, output: "" },
    );
    // Only the router reloads; the edge holding the clients' connections never does.
    this.router!.kill("SIGHUP");
  }

  /** Stops the router only, as if it crashed: the edge is left without anything to pass requests to. */
  public async stopRouter(): Promise<void> {
    await stopProcess(this.router);
  }

  public async stop(): Promise<void> {
    await stopProcess(this.edge);
    await stopProcess(this.router);
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private spawnNginx(config: string, logFile: string): ChildProcess {
    const log = fs.openSync(path.join(this.directory, logFile), "w");
    const child = spawn(
      NGINX!,
      ["-c", path.join(this.directory, config), "-p", `${this.directory}/`, "-g", "daemon off;"],
      { stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    return child;
  }

  private writeRouting(variables: TemplateVariables): void {
    const template = uploadedFile(containerNamed(this.json, "web-staging-routing"), "/wtfb/check/routing.conf");
    fs.writeFileSync(path.join(this.directory, "routing.conf"), renderTerraformTemplate(template, variables));
  }

  public async until(condition: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10000;
    while (!(await condition())) {
      if (Date.now() > deadline) {
        const logs = ["router.log", "edge.log", "router-error.log", "edge-error.log"]
          .filter((file) => fs.existsSync(path.join(this.directory, file)))
          .map((file) => `${file}:\n${fs.readFileSync(path.join(this.directory, file), "utf8")}`)
          .join("\n");
        throw new Error(`timed out waiting until ${what}; nginx logs:\n${logs}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGQUIT");
    await exited;
  }
}

const failed = (responses: readonly Response[]) => responses.filter((response) => response.status !== 200);
const share = (responses: readonly Response[], body: string) =>
  responses.filter((response) => response.body === body).length / responses.length;

describeTraffic("the synthesized proxy under real requests", () => {
  let slots: Slot[] = [];
  let proxy: RunningProxy | undefined;

  beforeEach(async () => {
    slots = [await Slot.start(SLOT_A, "A"), await Slot.start(SLOT_B, "B")];
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    await Promise.all(slots.map((slot) => slot.kill()));
  });

  const blueGreen = () => synthDeployment({ strategy: DeploymentStrategy.blueGreen(), containerPort: SLOT_PORT }).json;
  const canary = () => synthDeployment({ strategy: DeploymentStrategy.canary(), containerPort: SLOT_PORT }).json;
  const blueGreenNames = { "docker_container.web_blue.name": SLOT_A, "docker_container.web_green.name": SLOT_B };
  const canaryNames = { "docker_container.web_stable.name": SLOT_A, "docker_container.web_canary.name": SLOT_B };

  it("blue-green: the active slot serves everything; a switch is a graceful reload", async () => {
    proxy = await RunningProxy.start(blueGreen(), { ...blueGreenNames, web_active_slot: "blue" });
    expect(share(await load(proxy.port, 100, 4), "A")).toBe(1);
    proxy.reroute({ ...blueGreenNames, web_active_slot: "green" });
    await proxy.until(async () => (await get(proxy!.port, "/")).body === "B", "green serves");
    expect(share(await load(proxy.port, 100, 4), "B")).toBe(1);
  });

  it("blue-green: requests whose slot is killed or answers 502/503/504 go to the other slot, none fails", async () => {
    // GIVEN blue active and green idle
    proxy = await RunningProxy.start(blueGreen(), { ...blueGreenNames, web_active_slot: "blue" });
    // WHEN blue answers 503, then 502, then 504 / THEN every request is answered by green
    for (const status of [503, 502, 504]) {
      slots[0].status = status;
      const responses = await load(proxy.port, 60, 4);
      expect(failed(responses)).toEqual([]);
      expect(share(responses, "B")).toBe(1);
    }
    // WHEN blue is killed / THEN still none fails
    await slots[0].kill();
    const responses = await load(proxy.port, 100, 4);
    expect(failed(responses)).toEqual([]);
    expect(share(responses, "B")).toBe(1);
  });

  it("answers 503 with Retry-After, never a bare 502 or 504, when no slot is reachable", async () => {
    proxy = await RunningProxy.start(blueGreen(), { ...blueGreenNames, web_active_slot: "blue" });
    await Promise.all(slots.map((slot) => slot.kill()));
    const response = await get(proxy.port, "/");
    expect(response).toMatchObject({
      status: 503,
      retryAfter: "5",
      body: "web is being deployed; retry in a few seconds\n",
    });
  });

  it("answers 503 with Retry-After when the router behind the edge is not running", async () => {
    proxy = await RunningProxy.start(blueGreen(), { ...blueGreenNames, web_active_slot: "blue" });
    await proxy.stopRouter();
    expect(await get(proxy.port, "/")).toMatchObject({
      status: 503,
      retryAfter: "5",
      body: "web is being deployed; retry in a few seconds\n",
    });
  });

  it("handing the port over: every answer closes its connection, none fails, and the answer is the same", async () => {
    // GIVEN a client keeping its connection alive
    proxy = await RunningProxy.start(blueGreen(), { ...blueGreenNames, web_active_slot: "blue" });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const connectionHeader = () =>
      new Promise<string | undefined>((resolve, reject) =>
        http
          .get({ host: "127.0.0.1", port: proxy!.port, path: "/", agent }, (response) => {
            response.resume();
            response.on("end", () => resolve(response.headers.connection));
          })
          .on("error", reject),
      );
    try {
      expect(await connectionHeader()).toBe("keep-alive");
      // WHEN the supervisor marks the edge as handing over (its container is being stopped)
      fs.writeFileSync(proxy.handoverFile, "");
      // THEN each answer tells the client to close the connection, so it never meets a connection closed under it
      expect(await connectionHeader()).toBe("close");
      const responses = await load(proxy.port, 100, 4, agent);
      expect(failed(responses)).toEqual([]);
      expect(share(responses, "A")).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it.each([5, 25, 50])(
    "canary at %i%: each of two clients sending at once sees the weight (2,000 requests each, within 4 standard deviations)",
    async (weight) => {
      proxy = await RunningProxy.start(canary(), { ...canaryNames, web_canary_weight: weight });
      // Two clients whose requests interleave at the proxy: a round robin would hand one of them the canary's turns.
      const [first, second] = await Promise.all([load(proxy.port, 2000, 1), load(proxy.port, 2000, 1)]);
      // The split is a hash of each request's random id: a binomial share, whose standard deviation over n requests
      // is sqrt(p(1-p)/n) (0.97 points at 25% over 2,000).
      const tolerance = 4 * Math.sqrt(((weight / 100) * (1 - weight / 100)) / 2000) * 100;
      for (const responses of [first, second]) {
        expect(failed(responses)).toEqual([]);
        expect(Math.abs(share(responses, "B") * 100 - weight)).toBeLessThanOrEqual(tolerance);
      }
    },
  );

  it.each([
    [0, "A"],
    [100, "B"],
  ])("canary at %i%: one slot serves everything, the other only as fallback", async (weight, body) => {
    proxy = await RunningProxy.start(canary(), { ...canaryNames, web_canary_weight: weight });
    expect(share(await load(proxy.port, 200, 4), body)).toBe(1);
    await slots[body === "A" ? 0 : 1].kill();
    const responses = await load(proxy.port, 100, 4);
    expect(failed(responses)).toEqual([]);
    expect(share(responses, body === "A" ? "B" : "A")).toBe(1);
  });

  it("canary killed at 25%: no request fails, stable takes its share at once", async () => {
    // GIVEN the canary at 25% under load
    proxy = await RunningProxy.start(canary(), { ...canaryNames, web_canary_weight: 25 });
    // WHEN the canary dies a third of the way through 1,500 requests
    let killed: Promise<void> | undefined;
    const responses = await load(proxy.port, 1500, 8, false, (sent) => {
      if (sent === 500) killed = slots[1].kill();
    });
    await killed;
    // THEN none fails: the requests that met the dead canary were retried on stable
    expect(failed(responses)).toEqual([]);
    const slowest = Math.max(...responses.map((response) => response.milliseconds));
    console.log(`canary killed at 25%: ${responses.length} requests, 0 failed, slowest ${slowest} ms`);
  });

  it.each([false, true])("reloads under load (keep-alive %s) drop no request", async (keepAlive) => {
    // GIVEN clients sending requests, over kept-alive connections or not
    proxy = await RunningProxy.start(canary(), { ...canaryNames, web_canary_weight: 25 });
    const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 8 }) : false;
    // WHEN the routing changes and nginx reloads five times while 3,000 requests are sent
    const weights = [50, 100, 0, 25, 50];
    const responses = await load(proxy.port, 3000, 8, agent, (sent) => {
      if (sent % 500 === 0 && sent / 500 <= weights.length)
        proxy!.reroute({ ...canaryNames, web_canary_weight: weights[sent / 500 - 1] });
    });
    if (agent) agent.destroy();
    // THEN none fails
    const failures = failed(responses);
    console.log(
      `reloads with keep-alive ${keepAlive}: ${responses.length} requests, ${failures.length} failed ${failures
        .slice(0, 3)
        .map((failure) => failure.body)
        .join("; ")}`,
    );
    expect(failures).toEqual([]);
  });
});
