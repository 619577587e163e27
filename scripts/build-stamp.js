// Part of `npm run build` (scripts/bundle.js): what the bundle and the startup snapshots in dist/ were built from, so
// that a build with nothing new to bundle (the usual `cdktf synth` or `cdktf deploy` after a change to the config
// only) skips esbuild and the snapshot, about a second of every such command.
//
// The stamp (dist/app.bundle-stamp.json) records, as make compares files:
// - a key of the toolchain: the Node that builds (version, platform, architecture), esbuild's version and options;
// - every file esbuild read (its metafile's inputs), with its size and modification time when the build ended;
// - the bundle as it was written, and a digest of the snapshot script built beside it.
// A startup snapshot is a function of that script and of the Node and V8 flags that build and load it: a blob built
// with other flags does not load (cdktf's CLI sets NODE_OPTIONS for the app, `npm run synth` does not). Snapshots are
// therefore kept by that identity in dist/snapshots/, and dist/app.snapshot.blob is a link to the one of the current
// environment. The config that the snapshot's warm-up synth reads is not an input: the warm-up only compiles functions
// ahead, and every run reads its own config.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** Size and modification time of a file, or null when it is missing. */
function fileState(file) {
  try {
    const stat = fs.statSync(file);
    return [stat.size, stat.mtimeMs];
  } catch {
    return null;
  }
}

function sameState(recorded, current) {
  return Array.isArray(recorded) && current !== null && recorded[0] === current[0] && recorded[1] === current[1];
}

function sha256(data) {
  return crypto.createHash("sha256").update(data).digest("hex");
}

/** Digest of the building Node and of options (plain JSON values) that the bundle depends on. */
function toolchainKey(options) {
  return sha256(JSON.stringify([process.version, process.platform, process.arch, options]));
}

/** Name of the snapshot a script with this digest gives under this Node and these NODE_OPTIONS. */
function snapshotId(scriptDigest) {
  return sha256(JSON.stringify([scriptDigest, process.version, process.platform, process.arch, process.env.NODE_OPTIONS ?? ""]));
}

/** The stamp, or undefined when there is none or it cannot be read. */
function readStamp(file) {
  try {
    const stamp = JSON.parse(fs.readFileSync(file, "utf8"));
    return stamp !== null && typeof stamp === "object" ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/** True when nothing esbuild read has changed since the stamp and the bundle is the one it records. */
function bundleIsCurrent(stamp, key, root, bundle) {
  if (stamp === undefined || stamp.key !== key || typeof stamp.scriptDigest !== "string" || stamp.inputs === null || typeof stamp.inputs !== "object") return false;
  if (!sameState(stamp.bundle, fileState(bundle))) return false;
  return Object.entries(stamp.inputs).every(([input, state]) => sameState(state, fileState(path.resolve(root, input))));
}

/** Writes the stamp for a bundle just built; `inputs` are paths relative to `root`, as esbuild's metafile gives them. */
function writeStamp(file, { key, root, inputs, bundle, scriptDigest }) {
  const stamp = {
    key,
    inputs: Object.fromEntries([...new Set(inputs)].sort().map((input) => [input, fileState(path.resolve(root, input))])),
    bundle: fileState(bundle),
    scriptDigest,
  };
  fs.writeFileSync(file, `${JSON.stringify(stamp)}\n`);
}

/**
 * Makes `target` the file `source` (a hard link, or a copy where there are none), replacing whatever was there at
 * once, and marks `source` used now (its modification time, which pruneSnapshots reads).
 */
function linkInto(source, target) {
  try {
    const [a, b] = [fs.statSync(source), fs.statSync(target)];
    if (a.ino === b.ino && a.dev === b.dev) return;
  } catch {
    // The target is missing: link it.
  }
  const now = new Date();
  fs.utimesSync(source, now, now);
  const next = `${target}.next-${process.pid}`;
  fs.rmSync(next, { force: true });
  try {
    fs.linkSync(source, next);
  } catch {
    fs.copyFileSync(source, next);
  }
  fs.renameSync(next, target);
}

/**
 * Removes all but the `keep` most recently used snapshots of `directory` (`current` is never removed), and what a
 * snapshot build that was stopped half-way left there.
 */
function pruneSnapshots(directory, keep, current) {
  const names = fs.readdirSync(directory);
  for (const name of names) {
    if (/\.blob\.next-\d+$/.test(name) && !name.endsWith(`.next-${process.pid}`)) fs.rmSync(path.join(directory, name), { force: true });
  }
  const blobs = names
    .filter((name) => name.endsWith(".blob"))
    .map((name) => path.join(directory, name))
    .filter((file) => file !== current)
    .map((file) => ({ file, used: fs.statSync(file).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const { file } of blobs.slice(Math.max(0, keep - 1))) fs.rmSync(file, { force: true });
}

module.exports = { sha256, toolchainKey, snapshotId, readStamp, bundleIsCurrent, writeStamp, linkInto, pruneSnapshots };
