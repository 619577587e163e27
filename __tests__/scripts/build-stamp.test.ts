import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { temporaryDirectory } from "../helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript run by `npm run build` before anything is compiled.
const buildStamp = require("../../scripts/build-stamp") as {
  toolchainKey(options: unknown): string;
  sha256(data: string | Buffer): string;
  readStamp(file: string): object | undefined;
  bundleIsCurrent(stamp: object | undefined, key: string, root: string, bundle: string, blob: string): boolean;
  snapshotIsCurrent(stamp: object | undefined, key: string, scriptDigest: string, blob: string): boolean;
  writeStamp(file: string, build: { key: string; root: string; inputs: string[]; bundle: string; blob: string; scriptDigest: string }): void;
};

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** A project folder with two inputs, a bundle and a blob, stamped as just built. */
function builtProject() {
  const root = temporaryDirectory("build-stamp-");
  const file = (name: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
    return path.join(root, name);
  };
  const project = {
    root,
    file,
    bundle: file("dist/app.bundle.js", "bundle"),
    blob: file("dist/app.snapshot.blob", "blob"),
    stampFile: path.join(root, "dist", "stamp.json"),
    key: buildStamp.toolchainKey({ esbuild: "0.25.12" }),
    scriptDigest: buildStamp.sha256("script"),
  };
  file("dist/app.js", "require('./lib')");
  file("node_modules/lib/index.js", "module.exports = 1");
  buildStamp.writeStamp(project.stampFile, { ...project, inputs: ["dist/app.js", "node_modules/lib/index.js", "dist/app.js"] });
  return { ...project, current: () => buildStamp.bundleIsCurrent(buildStamp.readStamp(project.stampFile), project.key, root, project.bundle, project.blob) };
}

/** Moves a file's modification time, as an edit or `touch` does, without changing its bytes. */
function touch(file: string): void {
  const later = new Date(fs.statSync(file).mtimeMs + 5_000);
  fs.utimesSync(file, later, later);
}

describe("the build stamp", () => {
  it("holds while nothing it records has changed, and records each input once", () => {
    const project = builtProject();
    expect(project.current()).toBe(true);
    const stamp = JSON.parse(fs.readFileSync(project.stampFile, "utf8"));
    expect(Object.keys(stamp.inputs)).toEqual(["dist/app.js", "node_modules/lib/index.js"]);
  });

  it.each([
    ["an input is edited", (p: ReturnType<typeof builtProject>) => p.file("dist/app.js", "require('./lib'); require('./more')")],
    ["an input is touched", (p: ReturnType<typeof builtProject>) => touch(path.join(p.root, "node_modules/lib/index.js"))],
    ["an input is removed", (p: ReturnType<typeof builtProject>) => fs.rmSync(path.join(p.root, "dist/app.js"))],
    ["the bundle is replaced", (p: ReturnType<typeof builtProject>) => p.file("dist/app.bundle.js", "other")],
    ["the blob is removed", (p: ReturnType<typeof builtProject>) => fs.rmSync(p.blob)],
    ["the blob is replaced by another of the same size", (p: ReturnType<typeof builtProject>) => touch(p.file("dist/app.snapshot.blob", "bolb"))],
    ["the stamp is unreadable", (p: ReturnType<typeof builtProject>) => fs.writeFileSync(p.stampFile, "{")],
    ["the stamp is missing", (p: ReturnType<typeof builtProject>) => fs.rmSync(p.stampFile)],
  ])("fails when %s", (_what, change) => {
    const project = builtProject();
    change(project);
    expect(project.current()).toBe(false);
  });

  it("fails for another toolchain key, and the key changes with the options and with NODE_OPTIONS", () => {
    const project = builtProject();
    const stamp = buildStamp.readStamp(project.stampFile);
    const otherOptions = buildStamp.toolchainKey({ esbuild: "0.25.13" });
    expect(otherOptions).not.toBe(project.key);
    expect(buildStamp.bundleIsCurrent(stamp, otherOptions, project.root, project.bundle, project.blob)).toBe(false);
    const saved = process.env.NODE_OPTIONS;
    try {
      process.env.NODE_OPTIONS = "--max-semi-space-size=32";
      expect(buildStamp.toolchainKey({ esbuild: "0.25.12" })).not.toBe(project.key);
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
    expect(buildStamp.toolchainKey({ esbuild: "0.25.12" })).toBe(project.key);
  });

  it("keeps the snapshot only for a script with the same bytes and the blob it built", () => {
    const project = builtProject();
    const stamp = buildStamp.readStamp(project.stampFile);
    expect(buildStamp.snapshotIsCurrent(stamp, project.key, buildStamp.sha256("script"), project.blob)).toBe(true);
    expect(buildStamp.snapshotIsCurrent(stamp, project.key, buildStamp.sha256("script, edited"), project.blob)).toBe(false);
    expect(buildStamp.snapshotIsCurrent(stamp, buildStamp.toolchainKey({}), buildStamp.sha256("script"), project.blob)).toBe(false);
    fs.rmSync(project.blob);
    expect(buildStamp.snapshotIsCurrent(stamp, project.key, buildStamp.sha256("script"), project.blob)).toBe(false);
  });
});

describe("npm run build's bundle step", () => {
  /** A copy of the project's compiled output and build scripts, with its node_modules linked, to build in. */
  function projectCopy(): string {
    const root = temporaryDirectory("bundle-step-");
    fs.cpSync(path.join(PROJECT_ROOT, "dist"), path.join(root, "dist"), {
      recursive: true,
      filter: (source) => !/app\.(bundle|snapshot)|app\.bundle-stamp/.test(path.basename(source)),
    });
    fs.mkdirSync(path.join(root, "scripts"));
    for (const script of ["bundle.js", "build-stamp.js"]) fs.copyFileSync(path.join(PROJECT_ROOT, "scripts", script), path.join(root, "scripts", script));
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
    return root;
  }

  function bundle(root: string): { bundle: fs.Stats; blob: fs.Stats } {
    const result = spawnSync(process.execPath, [path.join(root, "scripts", "bundle.js")], { cwd: root, encoding: "utf8" });
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.status).toBe(0);
    return { bundle: fs.statSync(path.join(root, "dist", "app.bundle.js")), blob: fs.statSync(path.join(root, "dist", "app.snapshot.blob")) };
  }

  it("skips what is up to date: nothing when nothing changed, the snapshot when its script did not, neither after a code change", () => {
    const root = projectCopy();
    const first = bundle(root);

    const again = bundle(root);
    expect(again.bundle.mtimeMs).toBe(first.bundle.mtimeMs);
    expect(again.blob.mtimeMs).toBe(first.blob.mtimeMs);
    expect(again.blob.ino).toBe(first.blob.ino);

    // Touched, not changed: esbuild runs again, and writes the same snapshot script.
    touch(path.join(root, "dist", "stacks", "pipeline.js"));
    const touched = bundle(root);
    expect(touched.bundle.mtimeMs).toBeGreaterThan(first.bundle.mtimeMs);
    expect(touched.blob.mtimeMs).toBe(first.blob.mtimeMs);

    fs.appendFileSync(path.join(root, "dist", "stacks", "pipeline.js"), "\nexports.buildStampProbe = 1;\n");
    const changed = bundle(root);
    expect(changed.bundle.mtimeMs).toBeGreaterThan(touched.bundle.mtimeMs);
    expect(changed.blob.mtimeMs).toBeGreaterThan(first.blob.mtimeMs);
    expect(fs.readFileSync(path.join(root, "dist", "app.bundle.js"), "utf8")).toContain("buildStampProbe");
    // The blob just built loads and runs the app (no config in the folder: the app says so and exits 1).
    const run = spawnSync(process.execPath, ["--snapshot-blob", path.join(root, "dist", "app.snapshot.blob"), path.join(root, "dist", "main.js")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", PIPELINE_CONFIG: "" },
    });
    expect(run.stderr).toMatch(/pipeline\.config\.json/);
    expect(run.stderr).not.toMatch(/Failed to load the startup snapshot/);

    fs.rmSync(path.join(root, "dist", "app.snapshot.blob"));
    const rebuilt = bundle(root);
    expect(rebuilt.blob.size).toBeGreaterThan(0);
    expect(rebuilt.bundle.mtimeMs).toBeGreaterThan(changed.bundle.mtimeMs);
  });
});
