// Part of `npm run build` (scripts/bundle.js): what the bundle and the startup snapshot in dist/ were built from, so
// that a build with nothing new to bundle (the usual `cdktf synth` or `cdktf deploy` after a change to the config
// only) skips esbuild and the snapshot, about a second of every such command.
//
// The stamp (dist/app.bundle-stamp.json) records:
// - a key of the toolchain: the Node that builds and runs the snapshot (version, platform, architecture, NODE_OPTIONS:
//   a blob built by another Node or with other V8 flags does not load), esbuild's version and the bundle options;
// - every file esbuild read (its metafile's inputs), with its size and modification time when the build ended, as
//   make compares files;
// - the outputs as they were written: the bundle, and the snapshot with a digest of the script it was built from.
// The config that the snapshot's warm-up synth reads is not an input: the warm-up only compiles functions ahead, and
// every run reads its own config.
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

/** Digest of the toolchain and options (plain JSON values) that every output depends on. */
function toolchainKey(options) {
  return sha256(JSON.stringify([process.version, process.platform, process.arch, process.env.NODE_OPTIONS ?? "", options]));
}

function sha256(data) {
  return crypto.createHash("sha256").update(data).digest("hex");
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

/** True when nothing esbuild read has changed since the stamp and the bundle and snapshot are the ones it records. */
function bundleIsCurrent(stamp, key, root, bundle, blob) {
  if (stamp === undefined || stamp.key !== key || stamp.inputs === null || typeof stamp.inputs !== "object") return false;
  if (!sameState(stamp.bundle, fileState(bundle)) || !snapshotIsCurrent(stamp, key, stamp.snapshot?.script, blob)) return false;
  return Object.entries(stamp.inputs).every(([input, state]) => sameState(state, fileState(path.resolve(root, input))));
}

/** True when the blob is the one the stamp records, built by this toolchain from a script with this digest. */
function snapshotIsCurrent(stamp, key, scriptDigest, blob) {
  return stamp !== undefined && stamp.key === key && typeof scriptDigest === "string" && stamp.snapshot?.script === scriptDigest && sameState(stamp.snapshot.blob, fileState(blob));
}

/** Writes the stamp for outputs just built; `inputs` are paths relative to `root`, as esbuild's metafile gives them. */
function writeStamp(file, { key, root, inputs, bundle, blob, scriptDigest }) {
  const stamp = {
    key,
    inputs: Object.fromEntries([...new Set(inputs)].sort().map((input) => [input, fileState(path.resolve(root, input))])),
    bundle: fileState(bundle),
    snapshot: { script: scriptDigest, blob: fileState(blob) },
  };
  fs.writeFileSync(file, `${JSON.stringify(stamp)}\n`);
}

module.exports = { toolchainKey, sha256, readStamp, bundleIsCurrent, snapshotIsCurrent, writeStamp, fileState };
