/**
 * The local Docker engine and registry the integration tests plan and apply against (`.ci/run` starts both when
 * none runs), and the images they use: nothing can be pulled here, so images are built from a static busybox
 * (`docker import` of a one-binary root filesystem) and pushed to the registry on 127.0.0.1:5000.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The local registry: no authentication, plain HTTP (the engine trusts 127.0.0.0/8 without TLS). */
export const LOCAL_REGISTRY = "127.0.0.1:5000";
/** The engine's socket the tests point the stacks' Docker hosts at. */
export const DOCKER_SOCKET = "unix:///var/run/docker.sock";

const STATIC_BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find(
  (candidate) => fs.existsSync(candidate) && spawnSync("ldd", [candidate]).status !== 0,
);

function run(command: string, args: readonly string[], input?: Buffer): string {
  const result = spawnSync(command, args, { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Why the engine, the registry or the static busybox is missing (naming it), or undefined when all are there. */
export function dockerMissing(): string | undefined {
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 20_000 });
  if (info.error || info.status !== 0)
    return "no Docker engine answers on the default socket (docker info failed): install docker.io and start dockerd, as .ci/run does";
  const registry = spawnSync(
    process.execPath,
    ["-e", `fetch("http://${LOCAL_REGISTRY}/v2/").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
    { timeout: 20_000 },
  );
  if (registry.status !== 0)
    return `no registry answers on ${LOCAL_REGISTRY}: install docker-registry and start it, as .ci/run does`;
  if (STATIC_BUSYBOX === undefined)
    return "no static busybox (/bin/busybox) to build test images from: install busybox-static";
  return undefined;
}

export interface LocalImage {
  /** `127.0.0.1:5000/<repository>:<tag>` */
  readonly reference: string;
  /** The digest the registry holds it under (`sha256:…`). */
  readonly digest: string;
}

/**
 * Builds a tiny image (a static busybox and its applets' links; `sleep 3600` by default) and pushes it to the local
 * registry as `<repository>:<tag>`. The same bytes give the same digest, so pushing it again is cheap.
 */
export function pushBusyboxImage(repository: string, tag: string): LocalImage {
  if (STATIC_BUSYBOX === undefined)
    throw new Error("no static busybox to build the image from: install busybox-static");
  const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-rootfs-"));
  fs.mkdirSync(path.join(rootfs, "bin"));
  fs.mkdirSync(path.join(rootfs, "tmp"));
  fs.copyFileSync(STATIC_BUSYBOX, path.join(rootfs, "bin", "busybox"));
  fs.chmodSync(path.join(rootfs, "bin", "busybox"), 0o755);
  for (const applet of ["sh", "sleep", "wget", "cat", "echo", "true"])
    fs.symlinkSync("busybox", path.join(rootfs, "bin", applet));
  const reference = `${LOCAL_REGISTRY}/${repository}:${tag}`;
  // Fixed modification times: the same busybox gives the same layer, whatever the day.
  const archive = spawnSync(
    "tar",
    [
      "--sort=name",
      "--mtime=2020-01-01 00:00Z",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "-C",
      rootfs,
      "-cf",
      "-",
      ".",
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  if (archive.status !== 0) throw new Error(`tar of the image's root filesystem failed: ${archive.stderr}`);
  run(
    "docker",
    ["import", "--change", "ENV PATH=/bin", "--change", 'CMD ["sleep", "3600"]', "-", reference],
    archive.stdout,
  );
  const pushed = run("docker", ["push", reference]);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  if (digest === undefined) throw new Error(`docker push ${reference} printed no digest:\n${pushed}`);
  fs.rmSync(rootfs, { recursive: true, force: true });
  return { reference, digest };
}

/** `docker` with arguments; returns stdout, throws with the output on a non-zero exit. */
export function docker(...args: string[]): string {
  return run("docker", args);
}
