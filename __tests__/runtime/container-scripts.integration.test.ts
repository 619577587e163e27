/**
 * The scripts the runtime's containers run, executed by the real /bin/sh with stub `nginx` and `pg_dump` binaries
 * on PATH, in scratch directories standing in for the containers' volumes.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams, type SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  BACKUP_SCRIPT,
  PROXY_SUPERVISOR_SCRIPT,
  ROUTING_PUBLISH_SCRIPT,
} from "../../constructs/runtime/private/shell-scripts";

let scratch: string;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-scripts-"));
});
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Writes an executable stub into scratch/bin. */
function stub(name: string, body: string): void {
  fs.mkdirSync(path.join(scratch, "bin"), { recursive: true });
  fs.writeFileSync(path.join(scratch, "bin", name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

function runScript(script: string, args: string[], env: Record<string, string>): SpawnSyncReturns<string> {
  return spawnSync("/bin/sh", ["-c", script, "wtfb", ...args], {
    encoding: "utf8",
    env: { PATH: `${path.join(scratch, "bin")}:${process.env.PATH}`, ...env },
    timeout: 20000,
  });
}

async function eventually(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it.each([
  ["the backup", BACKUP_SCRIPT],
  ["the routing publisher", ROUTING_PUBLISH_SCRIPT],
  ["the proxy supervisor", PROXY_SUPERVISOR_SCRIPT],
])("%s is valid POSIX sh without Terraform template syntax", (_, script) => {
  expect(spawnSync("/bin/sh", ["-n", "-c", script]).status).toBe(0);
  expect(script).not.toMatch(/[$%]\{/);
});

describe("backup script", () => {
  const env = () => ({
    WTFB_BACKUP_DIR: scratch,
    WTFB_BACKUP_PREFIX: "web-staging",
    WTFB_RELEASE_VERSION: "1.4.2-3f9a2c1",
    WTFB_BACKUPS_KEPT: "2",
  });

  it("dumps with pg_dump into a file stamped at run time, and keeps only the newest backups", () => {
    // GIVEN three older backups and a pg_dump that writes its --file
    const now = Date.now() / 1000;
    ["a", "b", "c"].forEach((name, index) => {
      const file = path.join(scratch, `web-staging-old-${name}.dump`);
      fs.writeFileSync(file, "old");
      fs.utimesSync(file, now - 300 + index * 100, now - 300 + index * 100);
    });
    stub(
      "pg_dump",
      'for arg; do case "$arg" in --file=*) echo dump > "${arg#--file=}";; esac; done; echo "$@" > "$(dirname "$0")/pg_dump.args"',
    );
    // WHEN the backup runs
    const result = runScript(BACKUP_SCRIPT, [], { ...env(), WTFB_DATABASE_URL: "postgres://db/web" });
    // THEN the dump is complete under a UTC timestamp and the version, and the oldest backups are gone
    expect(result.status).toBe(0);
    const files = fs
      .readdirSync(scratch)
      .filter((file) => file.endsWith(".dump"))
      .sort();
    expect(files).toEqual([
      expect.stringMatching(/^web-staging-\d{8}T\d{6}Z-1\.4\.2-3f9a2c1\.dump$/),
      "web-staging-old-c.dump",
    ]);
    expect(fs.readFileSync(path.join(scratch, "bin", "pg_dump.args"), "utf8")).toContain(
      "--format=custom --no-owner --file=",
    );
    expect(fs.readFileSync(path.join(scratch, "bin", "pg_dump.args"), "utf8")).toContain("--dbname=postgres://db/web");
    expect(result.stdout).toContain("wtfb: removed old backup");
  });

  it("runs a custom backup command that writes $BACKUP_FILE", () => {
    const result = runScript(BACKUP_SCRIPT, ["sh", "-c", 'echo custom > "$BACKUP_FILE"'], env());
    expect(result.status).toBe(0);
    const [file] = fs.readdirSync(scratch);
    expect(fs.readFileSync(path.join(scratch, file), "utf8")).toBe("custom\n");
  });

  it("fails when the backup command leaves no dump, so no migration runs without a backup", () => {
    const result = runScript(BACKUP_SCRIPT, ["true"], env());
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /wtfb: backup failed: .*web-staging-\d{8}T\d{6}Z-1\.4\.2-3f9a2c1\.dump is missing or empty/,
    );
  });
});

describe("routing publisher", () => {
  const env = () => ({
    WTFB_ROUTING_DIR: path.join(scratch, "routing"),
    WTFB_CHECK_DIR: path.join(scratch, "check"),
    WTFB_ROUTING_TIMEOUT_SECONDS: "2",
    WTFB_PROXY_CONTAINER: "web-staging-proxy-",
  });
  const published = () => fs.readFileSync(path.join(scratch, "routing", "published"), "utf8").trim();
  beforeEach(() => {
    fs.mkdirSync(path.join(scratch, "routing"));
    fs.mkdirSync(path.join(scratch, "check"), { recursive: true });
    fs.writeFileSync(path.join(scratch, "check", "nginx.conf"), "main v2\n");
    fs.writeFileSync(path.join(scratch, "check", "routing.conf"), "server green;\n");
    fs.writeFileSync(path.join(scratch, "routing", "nginx.conf"), "main v1\n");
    fs.writeFileSync(path.join(scratch, "routing", "routing.conf"), "server blue;\n");
  });

  it("checks with nginx -t, then publishes nginx.conf and the routing, and names them in `published` last", () => {
    stub("nginx", 'echo "$@" >> "$(dirname "$0")/nginx.calls"');
    const result = runScript(ROUTING_PUBLISH_SCRIPT, [], env());
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(scratch, "bin", "nginx.calls"), "utf8")).toBe(
      `-t -q -c ${path.join(scratch, "check", "nginx.conf")}\n`,
    );
    expect(fs.readFileSync(path.join(scratch, "routing", "routing.conf"), "utf8")).toBe("server green;\n");
    expect(fs.readFileSync(path.join(scratch, "routing", "nginx.conf"), "utf8")).toBe("main v2\n");
    expect(published()).toBe(checksumOf("main v2\nserver green;\n"));
  });

  it("fails when nginx -t rejects the configuration, and leaves the published one alone", () => {
    stub("nginx", "exit 1");
    const result = runScript(ROUTING_PUBLISH_SCRIPT, [], env());
    expect(result.status).not.toBe(0);
    expect(fs.readFileSync(path.join(scratch, "routing", "routing.conf"), "utf8")).toBe("server blue;\n");
    expect(fs.readFileSync(path.join(scratch, "routing", "nginx.conf"), "utf8")).toBe("main v1\n");
    expect(fs.existsSync(path.join(scratch, "routing", "published"))).toBe(false);
  });

  it("waits until the running proxy acknowledges the new configuration", async () => {
    // GIVEN a running proxy that acknowledges what it loads, a moment after the publication
    stub("nginx", "exit 0");
    fs.writeFileSync(path.join(scratch, "routing", "applied"), "old\n");
    const publisher = spawn("/bin/sh", ["-c", ROUTING_PUBLISH_SCRIPT], {
      env: { PATH: `${path.join(scratch, "bin")}:${process.env.PATH}`, ...env(), WTFB_ROUTING_TIMEOUT_SECONDS: "10" },
    });
    const exited = new Promise<number | null>((resolve) => publisher.on("exit", resolve));
    await eventually(() => fs.existsSync(path.join(scratch, "routing", "published")), "the configuration is published");
    // WHEN the proxy has not acknowledged it yet, THEN the publisher is still waiting
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(publisher.exitCode).toBeNull();
    fs.writeFileSync(path.join(scratch, "routing", "applied"), `${published()}\n`);
    // THEN the publisher finishes successfully
    expect(await exited).toBe(0);
  });

  it("fails when the running proxy does not load the new routing in time", () => {
    stub("nginx", "exit 0");
    fs.writeFileSync(path.join(scratch, "routing", "applied"), "stale\n");
    const result = runScript(ROUTING_PUBLISH_SCRIPT, [], env());
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "wtfb: the proxy did not load the new routing within 2 seconds; see its logs: docker ps --filter name=web-staging-proxy-, then docker logs <name>",
    );
  });
});

/** What the publisher writes to `published` for a configuration's text. */
function checksumOf(text: string): string {
  return spawnSync("/bin/sh", ["-c", "printf '%s' \"$1\" | cksum | tr ' ' '-'", "cksum", text], {
    encoding: "utf8",
  }).stdout.trim();
}

/**
 * The command of a stand-in nginx daemon that records SIGHUP and SIGQUIT with the config it runs ("$2", after -c).
 * Node, not sh: a background job of a non-interactive sh starts with SIGQUIT ignored, which a shell cannot trap but
 * a program (nginx, node) can handle.
 */
function daemonStub(calls: string): string {
  const program = `const fs = require("fs"); const config = process.argv[1]; process.on("SIGHUP", () => fs.appendFileSync(${JSON.stringify(calls)}, "HUP " + config + "\\n")); process.on("SIGUSR1", () => fs.appendFileSync(${JSON.stringify(calls)}, "USR1 " + config + "\\n")); process.on("SIGQUIT", () => { fs.appendFileSync(${JSON.stringify(calls)}, "QUIT " + config + "\\n"); process.exit(0); }); setInterval(() => {}, 1000);`;
  return `"${process.execPath}" -e '${program}' "$2"`;
}

/**
 * Runs the proxy supervisor with the stand-ins in the test's bin directory first on PATH: the published configuration
 * in `routingDir`, the handover file and the log files in the scratch directory (`access.log`, `router-error.log`,
 * `edge-error.log`, rotated at 1 KiB); names resolved again every second and a 1 s handover unless overridden.
 */
function startSupervisor(routingDir: string, overrides: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn("/bin/sh", ["-c", PROXY_SUPERVISOR_SCRIPT], {
    env: {
      PATH: `${path.join(scratch, "bin")}:${process.env.PATH}`,
      WTFB_ROUTING_DIR: routingDir,
      WTFB_EDGE_CONFIG: "/etc/wtfb/edge.conf",
      WTFB_RESOLVE_EVERY_SECONDS: "1",
      WTFB_HANDOVER_FILE: path.join(scratch, "handover"),
      WTFB_HANDOVER_SECONDS: "1",
      WTFB_ACCESS_LOG: path.join(scratch, "access.log"),
      WTFB_ERROR_LOGS: `${path.join(scratch, "router-error.log")} ${path.join(scratch, "edge-error.log")}`,
      WTFB_LOG_ROTATE_KB: "1",
      ...overrides,
    },
  });
}

/** The routing volume as the routing container leaves it: a configuration published as "one". */
function publishedRouting(): string {
  const routingDir = path.join(scratch, "routing");
  fs.mkdirSync(routingDir);
  fs.writeFileSync(path.join(routingDir, "published"), "one\n");
  return routingDir;
}

/** An nginx stand-in recording its arguments in `calls`; run as a daemon, it records the signals it gets there too. */
function stubNginx(calls: string): void {
  stub("nginx", `echo "$@" >> "${calls}"\ncase "$*" in\n  *"daemon off;"*) exec ${daemonStub(calls)} ;;\nesac`);
}

describe("proxy supervisor", () => {
  it("runs the router on the published configuration and the edge in front, reloads only the router on a new publication, acknowledges it, and quits both gracefully", async () => {
    // GIVEN a published configuration and an nginx stub: the daemon records the signals it gets
    const routingDir = publishedRouting();
    // AND a handover file an earlier run of the container left (Docker restarted it after a stop)
    fs.writeFileSync(path.join(scratch, "handover"), "");
    const calls = path.join(scratch, "nginx.calls");
    stubNginx(calls);
    const supervisor = startSupervisor(routingDir);
    const exited = new Promise<number | null>((resolve) => supervisor.on("exit", resolve));
    const applied = () =>
      fs.existsSync(path.join(routingDir, "applied"))
        ? fs.readFileSync(path.join(routingDir, "applied"), "utf8").trim()
        : "";
    try {
      await eventually(() => applied() === "one", "the initial configuration is acknowledged");
      expect(fs.readFileSync(calls, "utf8")).toContain(`-c ${routingDir}/nginx.conf -g daemon off;\n`);
      expect(fs.readFileSync(calls, "utf8")).toContain("-c /etc/wtfb/edge.conf -g daemon off;\n");
      // WHEN a new configuration is published
      fs.writeFileSync(path.join(routingDir, "published"), "two\n");
      // THEN nginx is checked and reloaded with SIGHUP (graceful: no restart), and the new one acknowledged
      await eventually(() => applied() === "two", "the new configuration is acknowledged");
      expect(fs.readFileSync(calls, "utf8")).toContain(`-t -q -c ${routingDir}/nginx.conf\n`);
      expect(fs.readFileSync(calls, "utf8")).toContain(`HUP ${routingDir}/nginx.conf\n`);
      // AND the edge, holding the clients' connections, is never reloaded
      expect(fs.readFileSync(calls, "utf8")).not.toContain("HUP /etc/wtfb/edge.conf");
      expect(fs.existsSync(path.join(scratch, "handover"))).toBe(false);
    } finally {
      // WHEN the container is stopped / THEN the edge is told to hand over (Connection: close on every answer) a
      // second before nginx quits gracefully; the acknowledgement stays, since the proxy that takes over the port (a
      // new proxy image) runs and acknowledges the same configuration
      supervisor.kill("SIGTERM");
    }
    await eventually(() => fs.existsSync(path.join(scratch, "handover")), "the handover is announced");
    expect(fs.readFileSync(calls, "utf8")).not.toContain("QUIT");
    expect(await exited).toBe(0);
    expect(fs.readFileSync(calls, "utf8")).toContain(`QUIT ${routingDir}/nginx.conf\n`);
    expect(fs.readFileSync(calls, "utf8")).toContain("QUIT /etc/wtfb/edge.conf\n");
    expect(applied()).toBe("two");
  });

  it("copies nginx's log files to its output, errors to stderr, and rotates a file that outgrew its size", async () => {
    // GIVEN a supervisor whose nginx logs to files (a stand-in daemon that records signals), rotating at 1 KiB
    const routingDir = publishedRouting();
    fs.writeFileSync(path.join(routingDir, "routing.conf"), "");
    const calls = path.join(scratch, "nginx.calls");
    stubNginx(calls);
    const access = path.join(scratch, "access.log");
    const edgeError = path.join(scratch, "edge-error.log");
    fs.writeFileSync(access, "a line an earlier run wrote\n");
    const supervisor = startSupervisor(routingDir, { WTFB_RESOLVE_EVERY_SECONDS: "60", WTFB_HANDOVER_SECONDS: "0" });
    let stdout = "";
    let stderr = "";
    supervisor.stdout.on("data", (chunk) => (stdout += chunk));
    supervisor.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => supervisor.on("exit", resolve));
    try {
      await eventually(
        () => fs.existsSync(calls) && fs.readFileSync(calls, "utf8").includes("edge.conf -g"),
        "nginx runs",
      );
      // WHEN nginx writes an access line and an error line
      fs.appendFileSync(access, '{"status":200}\n');
      fs.appendFileSync(edgeError, "connect() failed\n");
      // THEN they reach the container's output and error output; the earlier run's line is not repeated
      await eventually(() => stdout.includes('{"status":200}\n'), "the access line is copied to stdout");
      await eventually(() => stderr.includes("connect() failed\n"), "the error line is copied to stderr");
      expect(stdout).not.toContain("a line an earlier run wrote");
      // WHEN the access log outgrows its size / THEN it is moved aside and both nginx reopen their files (USR1)
      fs.appendFileSync(access, `${"x".repeat(2048)}\n`);
      await eventually(() => fs.existsSync(`${access}.1`), "the access log is rotated");
      await eventually(
        () =>
          fs.readFileSync(calls, "utf8").includes(`USR1 ${routingDir}/nginx.conf`) &&
          fs.readFileSync(calls, "utf8").includes("USR1 /etc/wtfb/edge.conf"),
        "nginx reopens its logs",
      );
      expect(fs.readFileSync(calls, "utf8")).not.toContain("HUP");
    } finally {
      supervisor.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("reloads the router when a routed container's address changes, and not otherwise", async () => {
    // GIVEN a routing that names two containers, and a getent answering from a file
    const routingDir = publishedRouting();
    fs.writeFileSync(
      path.join(routingDir, "routing.conf"),
      "upstream wtfb_application {\n    server web-staging-blue-1a2b3c4d:3000 weight=1 max_fails=1 fail_timeout=1s;\n    server web-staging-green-5e6f7a8b:3000 backup max_fails=1 fail_timeout=1s;\n}\n",
    );
    const hosts = path.join(scratch, "hosts");
    fs.writeFileSync(hosts, "172.18.0.5");
    const calls = path.join(scratch, "nginx.calls");
    stubNginx(calls);
    stub("getent", `echo "getent $*" >> "${calls}"; echo "$(cat "${hosts}") $2"`);
    const supervisor = startSupervisor(routingDir);
    const exited = new Promise<number | null>((resolve) => supervisor.on("exit", resolve));
    try {
      // WHEN the addresses stay the same for a check / THEN the router is not reloaded
      await eventually(
        () =>
          (fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "").split("getent hosts web-staging-green-5e6f7a8b")
            .length > 2,
        "the names are resolved again",
        10000,
      );
      expect(fs.readFileSync(calls, "utf8")).toContain("getent hosts web-staging-blue-1a2b3c4d\n");
      expect(fs.readFileSync(calls, "utf8")).not.toContain("HUP");
      // WHEN a container comes back at another address / THEN the router is reloaded, the edge is not
      fs.writeFileSync(hosts, "172.18.0.9");
      await eventually(
        () => fs.readFileSync(calls, "utf8").includes(`HUP ${routingDir}/nginx.conf`),
        "the router is reloaded",
        10000,
      );
      expect(fs.readFileSync(calls, "utf8")).not.toContain("HUP /etc/wtfb/edge.conf");
    } finally {
      supervisor.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 30000);

  it("keeps serving the previous configuration when nginx -t rejects a new one", async () => {
    const routingDir = publishedRouting();
    const calls = path.join(scratch, "nginx.calls");
    stub(
      "nginx",
      `echo "$@" >> "${calls}"
case "$*" in
  *"daemon off;"*) exec ${daemonStub(calls)} ;;
  *-t*) exit 1 ;;
esac`,
    );
    const supervisor = startSupervisor(routingDir);
    const exited = new Promise<number | null>((resolve) => supervisor.on("exit", resolve));
    let stderr = "";
    supervisor.stderr.on("data", (chunk) => (stderr += chunk));
    const applied = () =>
      fs.existsSync(path.join(routingDir, "applied"))
        ? fs.readFileSync(path.join(routingDir, "applied"), "utf8").trim()
        : "";
    try {
      await eventually(() => applied() === "one", "the initial configuration is acknowledged");
      fs.writeFileSync(path.join(routingDir, "published"), "broken\n");
      await eventually(() => stderr.includes("rejected by nginx -t"), "the rejection is reported");
      expect(applied()).toBe("one");
      expect(fs.readFileSync(calls, "utf8")).not.toContain("HUP");
    } finally {
      supervisor.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
