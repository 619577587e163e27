/**
 * The images the end-to-end runtime runs, built on this machine (no image can be pulled here) and pushed to the local
 * registry:
 *
 * - the application, `<registry>/wtfb-e2e/shop:<version>`: a static Go server (e2e/app) on a busybox-static root
 *   filesystem (`/bin/sh`, `timeout`, `wget`, `date`… for the runtime's backup and migration scripts). One tag per
 *   version; a version's behaviour (broken health, failing migration) is in the image's environment.
 * - the proxy, `<registry>/wtfb-e2e/proxy:<tag>`: Debian's own nginx binary with its shared libraries, coreutils'
 *   `cksum`, glibc's `getent` and busybox (`/bin/sh`, `wget`, `tail`, `find`…), which is what the runtime's proxy and routing scripts
 *   need (nginx:1.27-alpine, the default proxy image, has getent too).
 *
 * Each root filesystem is a deterministic tar (`docker import`); images are labelled with the hash of everything they
 * are built from, so a second run with the same inputs pushes nothing and builds nothing.
 */
import { spawnSync, type SpawnSyncOptions } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Where the build keeps its work (outside the repository). */
export const E2E_CACHE = path.join(
  process.env.WTFB_CACHE_DIR ?? path.join(os.homedir(), ".cache", "wtfb-deploy"),
  "e2e",
);
/** The registry the runtime pulls from: the local one, plain HTTP on the loopback address. */
export const REGISTRY = process.env.WTFB_E2E_REGISTRY ?? "127.0.0.1:5000";
export const APP_REPOSITORY = `${REGISTRY}/wtfb-e2e/shop`;
export const PROXY_REPOSITORY = `${REGISTRY}/wtfb-e2e/proxy`;
/** Changes to how the images are assembled (not to their inputs' bytes) bump this. */
const RECIPE = "4";
const INPUTS_LABEL = "wtfb.e2e.inputs";
const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The versions the scenarios deploy, and how each behaves. */
export const APP_VERSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "1.0.0": {},
  "1.1.0": {},
  "1.2.0": {},
  "1.3.0": {},
  "2.0.0": {},
  // A release that never becomes healthy: /healthz and every request answer 503.
  "9.9.9-broken": { APP_HEALTH: "never" },
  // A release whose migration exits 1.
  "9.9.9-migration-fails": { APP_MIGRATION: "fail" },
};
/** Two builds of the proxy; switching between them replaces the proxy container. */
export const PROXY_TAGS = ["1", "2"] as const;

const APP_SOURCE = path.join(projectRoot(), "e2e", "app");
const BUSYBOX = "/bin/busybox";
const NGINX = "/usr/sbin/nginx";
const CKSUM = "/usr/bin/cksum";
/** glibc's getent: the proxy re-resolves its upstream names with it (busybox's nslookup output is not stable). */
const GETENT = "/usr/bin/getent";

export interface BuiltImages {
  readonly appRepository: string;
  readonly proxyRepository: string;
  /** Tag → what the tag is (the version, or `proxy:<tag>`), with the registry digest. */
  readonly digests: Readonly<Record<string, string>>;
  /** True when nothing had to be built or pushed. */
  readonly cached: boolean;
}

/** What building needs on this machine, or undefined when it is all there. */
export function imageBuildMissing(): string | undefined {
  for (const [tool, hint] of [
    ["go", "the Go toolchain builds the application"],
    ["docker", "docker imports and pushes the images"],
    ["tar", "tar packs the root filesystems"],
    ["curl", "curl asks the registry for the digests it holds"],
  ] as const) {
    if (
      spawnSync(tool, ["version"], { stdio: "ignore" }).error &&
      spawnSync(tool, ["--version"], { stdio: "ignore" }).error
    )
      return `${tool} is missing (${hint})`;
  }
  for (const [file, hint] of [
    [BUSYBOX, "apt-get install busybox-static"],
    [NGINX, "apt-get install nginx-light"],
    [CKSUM, "coreutils"],
    [GETENT, "libc-bin"],
  ] as const) {
    if (!fs.existsSync(file)) return `${file} is missing (${hint})`;
  }
  if (!isStatic(BUSYBOX)) return `${BUSYBOX} is not statically linked (apt-get install busybox-static)`;
  return undefined;
}

/** Builds (or reuses) every image and makes sure the registry has each tag. */
export function buildImages(log: (line: string) => void = () => undefined): BuiltImages {
  const missing = imageBuildMissing();
  if (missing) throw new Error(`cannot build the e2e images: ${missing}`);
  fs.mkdirSync(E2E_CACHE, { recursive: true });
  let cached = true;
  const digests: Record<string, string> = {};

  const appInputs = hashOf([
    RECIPE,
    goVersion(),
    ...filesUnder(APP_SOURCE).map((file) => fileHash(file)),
    fileHash(BUSYBOX),
  ]);
  const appTar = path.join(E2E_CACHE, `app-rootfs-${appInputs.slice(0, 16)}.tar`);
  for (const [version, environment] of Object.entries(APP_VERSIONS)) {
    const reference = `${APP_REPOSITORY}:${version}`;
    const inputs = hashOf([appInputs, version, JSON.stringify(environment)]);
    const result = ensureImage(
      reference,
      inputs,
      () => {
        if (!fs.existsSync(appTar)) buildAppRootfs(appTar, log);
        return {
          tar: appTar,
          changes: [
            `ENV ${PATH_ENV}`,
            `ENV APP_VERSION=${version}`,
            ...Object.entries(environment).map(([name, value]) => `ENV ${name}=${value}`),
            'CMD ["/app", "serve"]',
            "EXPOSE 3000",
          ],
        };
      },
      log,
    );
    cached &&= result.cached;
    digests[version] = result.digest;
  }

  const libraries = sharedLibraries([NGINX, CKSUM, GETENT]);
  const proxyInputs = hashOf([
    RECIPE,
    fileHash(NGINX),
    fileHash(CKSUM),
    fileHash(GETENT),
    fileHash(BUSYBOX),
    fileHash("/etc/nginx/mime.types"),
    ...libraries.map((library) => `${library}:${fileHash(library)}`),
  ]);
  const proxyTar = path.join(E2E_CACHE, `proxy-rootfs-${proxyInputs.slice(0, 16)}.tar`);
  for (const tag of PROXY_TAGS) {
    const reference = `${PROXY_REPOSITORY}:${tag}`;
    const result = ensureImage(
      reference,
      hashOf([proxyInputs, tag]),
      () => {
        if (!fs.existsSync(proxyTar)) buildProxyRootfs(proxyTar, libraries, log);
        return {
          tar: proxyTar,
          changes: [`ENV ${PATH_ENV}`, `LABEL wtfb.e2e.proxy-build=${tag}`, 'CMD ["nginx", "-g", "daemon off;"]'],
        };
      },
      log,
    );
    cached &&= result.cached;
    digests[`proxy:${tag}`] = result.digest;
  }
  return { appRepository: APP_REPOSITORY, proxyRepository: PROXY_REPOSITORY, digests, cached };
}

/** Imports `reference` unless an image with the same inputs exists, and pushes it unless the registry has it. */
function ensureImage(
  reference: string,
  inputs: string,
  recipe: () => { tar: string; changes: string[] },
  log: (line: string) => void,
): { cached: boolean; digest: string } {
  let cached = true;
  const label = run(
    "docker",
    ["image", "inspect", "--format", `{{index .Config.Labels "${INPUTS_LABEL}"}}`, reference],
    { allowFailure: true },
  );
  if (label.status !== 0 || label.stdout.trim() !== inputs) {
    const { tar, changes } = recipe();
    log(`importing ${reference}`);
    run("docker", [
      "import",
      ...[...changes, `LABEL ${INPUTS_LABEL}=${inputs}`].flatMap((change) => ["--change", change]),
      tar,
      reference,
    ]);
    cached = false;
  }
  let digest = registryDigest(reference);
  const local = run("docker", [
    "image",
    "inspect",
    "--format",
    "{{range .RepoDigests}}{{println .}}{{end}}",
    reference,
  ]).stdout;
  if (digest === undefined || !local.includes(digest)) {
    log(`pushing ${reference}`);
    run("docker", ["push", reference]);
    digest = registryDigest(reference);
    cached = false;
  }
  if (digest === undefined) throw new Error(`${reference} was pushed but the registry does not list it`);
  return { cached, digest };
}

/** The digest the registry holds for a tag, or undefined. */
function registryDigest(reference: string): string | undefined {
  const [, registry, repository, tag] = /^([^/]+)\/(.+):([^:/]+)$/.exec(reference) ?? [];
  const result = run(
    "curl",
    [
      "-fsS",
      "-I",
      "--max-time",
      "10",
      "-H",
      "Accept: application/vnd.docker.distribution.manifest.v2+json",
      `http://${registry}/v2/${repository}/manifests/${tag}`,
    ],
    { allowFailure: true },
  );
  if (result.status !== 0) return undefined;
  return /^docker-content-digest:\s*(\S+)/im.exec(result.stdout)?.[1];
}

function buildAppRootfs(tar: string, log: (line: string) => void): void {
  log("building the application (Go, static)");
  const root = freshDirectory("app-rootfs");
  busyboxRoot(root);
  run("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", path.join(root, "app"), "."], {
    cwd: APP_SOURCE,
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod", GOPROXY: "off", GOWORK: "off", GOTOOLCHAIN: "local" },
  });
  packRootfs(root, tar);
}

function buildProxyRootfs(tar: string, libraries: readonly string[], log: (line: string) => void): void {
  log("assembling the proxy root filesystem (Debian's nginx)");
  const root = freshDirectory("proxy-rootfs");
  busyboxRoot(root);
  for (const file of [NGINX, CKSUM, GETENT, "/etc/nginx/mime.types", ...libraries]) copyInto(root, file);
  // getent reads the hosts database through NSS: the container's /etc/hosts, then Docker's DNS.
  fs.writeFileSync(path.join(root, "etc", "nsswitch.conf"), "hosts: files dns\n");
  for (const directory of [
    "etc/nginx/routing",
    "var/lib/nginx/body",
    "var/lib/nginx/proxy",
    "var/lib/nginx/fastcgi",
    "var/lib/nginx/uwsgi",
    "var/lib/nginx/scgi",
    "var/log/nginx",
    "run",
  ]) {
    fs.mkdirSync(path.join(root, directory), { recursive: true });
  }
  packRootfs(root, tar);
}

/** /bin/busybox with a link per applet, /etc/passwd and /etc/group with the users nginx may switch to, /tmp. */
function busyboxRoot(root: string): void {
  for (const directory of ["bin", "etc", "tmp", "usr/bin", "usr/sbin"])
    fs.mkdirSync(path.join(root, directory), { recursive: true });
  fs.chmodSync(path.join(root, "tmp"), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(root, "bin", "busybox"));
  fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
  for (const applet of run(BUSYBOX, ["--list"])
    .stdout.split("\n")
    .filter((name) => /^[a-z0-9_.[-]+$/.test(name) && name !== "busybox")) {
    fs.symlinkSync("busybox", path.join(root, "bin", applet));
  }
  fs.writeFileSync(
    path.join(root, "etc", "passwd"),
    "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
  );
  fs.writeFileSync(path.join(root, "etc", "group"), "root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\nnobody:x:65534:\n");
}

function copyInto(root: string, file: string): void {
  const target = path.join(root, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(fs.realpathSync(file), target);
  fs.chmodSync(target, fs.statSync(fs.realpathSync(file)).mode & 0o777);
}

/** A deterministic tar of a directory: sorted, owned by root, fixed times. */
function packRootfs(root: string, tar: string): void {
  const partial = `${tar}.partial`;
  run("tar", [
    "--sort=name",
    "--mtime=@0",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "-C",
    root,
    "-cf",
    partial,
    ".",
  ]);
  fs.renameSync(partial, tar);
  fs.rmSync(root, { recursive: true, force: true });
}

/** The shared libraries (and the dynamic loader) the binaries load, from ldd. */
function sharedLibraries(binaries: readonly string[]): string[] {
  const libraries = new Set<string>();
  for (const binary of binaries) {
    for (const line of run("ldd", [binary]).stdout.split("\n")) {
      const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (match) libraries.add(match[1]);
    }
  }
  return [...libraries].sort();
}

function isStatic(binary: string): boolean {
  const result = spawnSync("ldd", [binary], { encoding: "utf8" });
  return /not a dynamic executable|statically linked/.test(`${result.stdout}${result.stderr}`);
}

/** The project's root (this file runs from e2e/ under ts-jest, from a build directory otherwise). */
export function projectRoot(): string {
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    const manifest = path.join(directory, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "wtfb-deploy")
      return directory;
    if (path.dirname(directory) === directory) throw new Error(`no wtfb-deploy package.json above ${__dirname}`);
  }
}

function goVersion(): string {
  return run("go", ["version"]).stdout.trim();
}

function filesUnder(directory: string): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? filesUnder(path.join(directory, entry.name)) : [path.join(directory, entry.name)],
    )
    .sort();
}

function fileHash(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function hashOf(parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}

function freshDirectory(name: string): string {
  const directory = path.join(E2E_CACHE, `${name}.build`);
  fs.rmSync(directory, { recursive: true, force: true });
  fs.mkdirSync(directory, { recursive: true });
  return directory;
}

interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions & { allowFailure?: boolean } = {},
): RunResult {
  const { allowFailure, ...spawnOptions } = options;
  const result = spawnSync(command, args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
    ...spawnOptions,
  });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  const outcome = { status: result.status ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
  if (outcome.status !== 0 && !allowFailure)
    throw new Error(`${command} ${args.join(" ")} failed (${outcome.status}):\n${outcome.stdout}\n${outcome.stderr}`);
  return outcome;
}
