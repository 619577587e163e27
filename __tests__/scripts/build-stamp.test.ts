import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { temporaryDirectory } from "../helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript run by `npm run build` before anything is compiled.
const buildStamp = require("../../scripts/build-stamp") as {
  toolchainKey(options: unknown): string;
  snapshotId(scriptDigest: string): string;
  sha256(data: string | Buffer): string;
  readStamp(file: string): object | undefined;
  bundleIsCurrent(stamp: object | undefined, key: string, root: string, bundle: string): boolean;
  writeStamp(file: string, build: { key: string; root: string; inputs: string[]; bundle: string; scriptDigest: string }): void;
  linkInto(source: string, target: string): void;
  pruneSnapshots(directory: string, keep: number, current: string): void;
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
    stampFile: path.join(root, "dist", "stamp.json"),
    key: buildStamp.toolchainKey({ esbuild: "0.25.12" }),
    scriptDigest: buildStamp.sha256("script"),
  };
  file("dist/app.js", "require('./lib')");
  file("node_modules/lib/index.js", "module.exports = 1");
  buildStamp.writeStamp(project.stampFile, { ...project, inputs: ["dist/app.js", "node_modules/lib/index.js", "dist/app.js"] });
  return { ...project, current: () => buildStamp.bundleIsCurrent(buildStamp.readStamp(project.stampFile), project.key, root, project.bundle) };
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
    ["the bundle is replaced by another of the same size", (p: ReturnType<typeof builtProject>) => touch(p.file("dist/app.bundle.js", "bungle"))],
    ["the stamp is unreadable", (p: ReturnType<typeof builtProject>) => fs.writeFileSync(p.stampFile, "{")],
    ["the stamp is missing", (p: ReturnType<typeof builtProject>) => fs.rmSync(p.stampFile)],
  ])("fails when %s", (_what, change) => {
    const project = builtProject();
    change(project);
    expect(project.current()).toBe(false);
  });

  it("fails for another toolchain key, and the key changes with the options", () => {
    const project = builtProject();
    const stamp = buildStamp.readStamp(project.stampFile);
    const otherOptions = buildStamp.toolchainKey({ esbuild: "0.25.13" });
    expect(otherOptions).not.toBe(project.key);
    expect(buildStamp.bundleIsCurrent(stamp, otherOptions, project.root, project.bundle)).toBe(false);
    expect(buildStamp.bundleIsCurrent(stamp, project.key, project.root, project.bundle)).toBe(true);
  });

  it("names a snapshot by its script and by NODE_OPTIONS, under which a blob built with other flags does not load", () => {
    const id = buildStamp.snapshotId(buildStamp.sha256("script"));
    expect(buildStamp.snapshotId(buildStamp.sha256("script, edited"))).not.toBe(id);
    const saved = process.env.NODE_OPTIONS;
    try {
      process.env.NODE_OPTIONS = "--max-old-space-size=4096";
      expect(buildStamp.snapshotId(buildStamp.sha256("script"))).not.toBe(id);
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
    expect(buildStamp.snapshotId(buildStamp.sha256("script"))).toBe(id);
  });

  it("links a snapshot into place, replacing what was there, and keeps only the most recently used ones", () => {
    const dist = temporaryDirectory("dist-");
    const dir = path.join(dist, "snapshots");
    fs.mkdirSync(dir);
    const blobs = ["a", "b", "c", "d"].map((name) => {
      const file = path.join(dir, `${name}.blob`);
      fs.writeFileSync(file, name);
      return file;
    });
    const target = path.join(dist, "app.snapshot.blob");
    fs.writeFileSync(target, "an older snapshot");
    buildStamp.linkInto(blobs[0], target);
    expect(fs.readFileSync(target, "utf8")).toBe("a");
    expect(fs.statSync(target).ino).toBe(fs.statSync(blobs[0]).ino);
    buildStamp.linkInto(blobs[0], target);
    expect(fs.statSync(target).ino).toBe(fs.statSync(blobs[0]).ino);

    // Used from oldest to newest: d, c, b; a is the current one.
    blobs.slice(1).reverse().forEach((file, index) => {
      const when = new Date(Date.now() - (10 - index) * 1000);
      fs.utimesSync(file, when, when);
    });
    fs.writeFileSync(path.join(dir, `e.blob.next-${process.pid + 1}`), "half a snapshot");
    buildStamp.pruneSnapshots(dir, 3, blobs[0]);
    expect(fs.readdirSync(dir).sort()).toEqual(["a.blob", "b.blob", "c.blob"]);
    expect(fs.readFileSync(target, "utf8")).toBe("a");
  });
});

describe("npm run build's bundle step", () => {
  /** A copy of the project's compiled output and build scripts, with its node_modules linked, to build in. */
  function projectCopy(): string {
    const root = temporaryDirectory("bundle-step-");
    fs.cpSync(path.join(PROJECT_ROOT, "dist"), path.join(root, "dist"), {
      recursive: true,
      filter: (source) => !/^app\.(bundle|snapshot)|^snapshots$/.test(path.basename(source)),
    });
    fs.mkdirSync(path.join(root, "scripts"));
    for (const script of ["bundle.js", "build-stamp.js"]) fs.copyFileSync(path.join(PROJECT_ROOT, "scripts", script), path.join(root, "scripts", script));
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
    return root;
  }

  function bundle(root: string, env: NodeJS.ProcessEnv = {}): { bundle: fs.Stats; blob: fs.Stats } {
    const result = spawnSync(process.execPath, [path.join(root, "scripts", "bundle.js")], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.status).toBe(0);
    return { bundle: fs.statSync(path.join(root, "dist", "app.bundle.js")), blob: fs.statSync(path.join(root, "dist", "app.snapshot.blob")) };
  }

  /** Runs the app from the project's snapshot; there is no config in the folder, so it says so and exits 1. */
  function runFromSnapshot(root: string, env: NodeJS.ProcessEnv = {}) {
    const run = spawnSync(process.execPath, ["--snapshot-blob", path.join(root, "dist", "app.snapshot.blob"), path.join(root, "dist", "main.js")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", PIPELINE_CONFIG: "", ...env },
    });
    expect(run.stderr).not.toMatch(/Failed to load the startup snapshot/);
    expect(run.stderr).toMatch(/pipeline\.config\.json: 1 problem/);
    return run;
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
    expect(touched.blob.ino).toBe(first.blob.ino);

    fs.appendFileSync(path.join(root, "dist", "stacks", "pipeline.js"), "\nexports.buildStampProbe = 1;\n");
    const changed = bundle(root);
    expect(changed.bundle.mtimeMs).toBeGreaterThan(touched.bundle.mtimeMs);
    expect(changed.blob.ino).not.toBe(first.blob.ino);
    expect(fs.readFileSync(path.join(root, "dist", "app.bundle.js"), "utf8")).toContain("buildStampProbe");
    runFromSnapshot(root);

    fs.rmSync(path.join(root, "dist", "app.snapshot.blob"));
    const relinked = bundle(root);
    expect(relinked.blob.ino).toBe(changed.blob.ino);
  });

  it("keeps a snapshot for each NODE_OPTIONS it is built under, as cdktf's CLI and npm run synth alternate", () => {
    const root = projectCopy();
    const plain = bundle(root, { NODE_OPTIONS: "" });
    runFromSnapshot(root, { NODE_OPTIONS: "" });

    // cdktf's CLI runs the app with NODE_OPTIONS=--max-old-space-size=4096, under which the plain blob does not load.
    const cdktf = { NODE_OPTIONS: "--max-old-space-size=4096" };
    const underCdktf = bundle(root, cdktf);
    expect(underCdktf.blob.ino).not.toBe(plain.blob.ino);
    runFromSnapshot(root, cdktf);

    // Back and forth: each build links the snapshot it built before instead of building it again.
    expect(bundle(root, { NODE_OPTIONS: "" }).blob.ino).toBe(plain.blob.ino);
    runFromSnapshot(root, { NODE_OPTIONS: "" });
    expect(bundle(root, cdktf).blob.ino).toBe(underCdktf.blob.ino);
    expect(fs.readdirSync(path.join(root, "dist", "snapshots")).filter((name) => name.endsWith(".blob"))).toHaveLength(2);
  });
});
