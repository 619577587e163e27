#!/usr/bin/env node
// Part of `npm run build`, after tsc; plain JavaScript so it runs before anything else is compiled.
// 1. Bundles the compiled app (dist/app.js) into dist/app.bundle.js, which `node dist/main.js` loads with V8's
//    code cache.
// 2. Builds the app's startup snapshot, dist/app.snapshot.blob, from dist/snapshot.js bundled into one script
//    (a snapshot's entry may require only Node's own modules). cdktf.json and `npm run synth` start from it.
// Both are skipped when nothing they are built from has changed (scripts/build-stamp.js), as after a change to the
// config only. Snapshots are kept per script and environment in dist/snapshots/ (a blob loads only under the V8
// flags it was built with, and cdktf's CLI runs the app with other NODE_OPTIONS than `npm run synth`), and
// dist/app.snapshot.blob links to the current one.
const path = require("path");
const fs = require("fs");
const { spawnSync } = require("child_process");
const esbuild = require("esbuild");
const buildStamp = require("./build-stamp");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
const stampFile = path.join(dist, "app.bundle-stamp.json");
/** What cdktf.json and `npm run synth` start from: a link to the snapshot of this build's environment. */
const blob = path.join(dist, "app.snapshot.blob");
const minify = process.env.WTFB_BUNDLE_DEBUG !== "1";

// cdktf writes each stack and its manifest with json-stable-stringify; the bundle gives it the project's writer of
// the same bytes (stacks/private/sorted-json.ts), which falls back on the library itself. Only cdktf's own imports are
// redirected: the writer's import of the library resolves as usual.
const sortedJson = {
  name: "sorted-json",
  setup(build) {
    build.onResolve({ filter: /^json-stable-stringify$/ }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}cdktf${path.sep}`) ? { path: path.join(dist, "stacks", "private", "sorted-json.js") } : undefined,
    );
  },
};
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  // Identifiers keep their names, so functions and classes are named as in their sources without esbuild's
  // keepNames, which renames every closure at run time (a few percent of synth).
  minifyWhitespace: minify,
  minifySyntax: minify,
  logLevel: "warning",
  plugins: [sortedJson],
};

// Asynchronous: esbuild takes plugins only there.
async function main() {
  const outfile = path.join(dist, "app.bundle.js");
  const snapshotScript = path.join(dist, "app.snapshot.js");
  // The plugins are functions: this script's own text stands for them and for whatever else it does with the outputs.
  const { plugins: _plugins, ...options } = common;
  const key = buildStamp.toolchainKey({ esbuild: esbuild.version, options, script: buildStamp.sha256(fs.readFileSync(__filename)) });
  const bundleSnapshotScript = async () => {
    const built = await esbuild.build({ ...common, entryPoints: [path.join(dist, "snapshot.js")], outfile: snapshotScript, format: "iife", metafile: true });
    return { inputs: Object.keys(built.metafile.inputs), digest: buildStamp.sha256(fs.readFileSync(snapshotScript)) };
  };

  const stamp = buildStamp.readStamp(stampFile);
  let scriptDigest;
  let scriptBundled = false;
  if (buildStamp.bundleIsCurrent(stamp, key, root, outfile)) {
    scriptDigest = stamp.scriptDigest;
  } else {
    fs.rmSync(stampFile, { force: true });
    const app = await esbuild.build({ ...common, entryPoints: [path.join(dist, "app.js")], outfile, format: "cjs", metafile: true });
    // A stale code cache would be rejected by V8 anyway; removing it avoids one wasted check.
    fs.rmSync(`${outfile}.cache`, { force: true });
    const script = await bundleSnapshotScript();
    scriptDigest = script.digest;
    scriptBundled = true;
    buildStamp.writeStamp(stampFile, { key, root, inputs: [...Object.keys(app.metafile.inputs), ...script.inputs], bundle: outfile, scriptDigest });
  }

  // The snapshot of this script for this Node and these flags, built now unless an earlier build left it.
  const snapshots = path.join(dist, "snapshots");
  fs.mkdirSync(snapshots, { recursive: true });
  let cached = path.join(snapshots, `${buildStamp.snapshotId(scriptDigest)}.blob`);
  if (!fs.existsSync(cached)) {
    if (!scriptBundled) {
      const script = await bundleSnapshotScript();
      if (script.digest !== scriptDigest) {
        // Something esbuild reads changed since the check above: the next build bundles everything again.
        fs.rmSync(stampFile, { force: true });
        cached = path.join(snapshots, `${buildStamp.snapshotId(script.digest)}.blob`);
      }
    }
    const next = `${cached}.next-${process.pid}`;
    const built = spawnSync(process.execPath, ["--snapshot-blob", next, "--build-snapshot", snapshotScript], {
      cwd: root,
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
      encoding: "utf8",
    });
    fs.rmSync(snapshotScript, { force: true });
    if (built.status !== 0 || !fs.existsSync(next)) {
      // Never leave a snapshot of older code behind for cdktf.json to start from.
      fs.rmSync(next, { force: true });
      fs.rmSync(blob, { force: true });
      process.stderr.write(built.stderr || String(built.error));
      console.error(`building the startup snapshot failed (exit ${built.status}); ${path.relative(root, blob)} was not written`);
      process.exit(1);
    }
    process.stdout.write(built.stdout);
    fs.renameSync(next, cached);
  }
  fs.rmSync(snapshotScript, { force: true });
  buildStamp.linkInto(cached, blob);
  // The current snapshot and the two used before it, say those of `npm run synth` and of cdktf's CLI.
  buildStamp.pruneSnapshots(snapshots, 3, cached);
}

main().catch((error) => {
  // esbuild has printed what failed. As above, no snapshot of older code is left behind.
  fs.rmSync(blob, { force: true });
  fs.rmSync(stampFile, { force: true });
  console.error(`bundling failed: ${error.message.split("\n")[0]}`);
  process.exit(1);
});
