/**
 * Synthesizes one side of a review: the working tree, or any git commit. Each side is built with its own code and
 * config and run as `cdktf synth` would run it (the app command of its cdktf.json, with CDKTF_OUTDIR set), so a base
 * with another config schema or other stacks synthesizes as it did then. A commit is exported with `git archive`
 * into a scratch directory (the repository, its index and the user's cdktf.out are never touched) and reuses the
 * project's node_modules through a symlink. Children get no credentials: synth must not need any.
 */
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { StackJson, SynthesizedApp } from "./plan-model";

export type SynthesisOutcome =
  | { readonly ok: true; readonly app: SynthesizedApp; readonly commit?: string; readonly cached?: boolean }
  | { readonly ok: false; readonly reason: string; readonly commit?: string };

export interface SynthesisOptions {
  /** Stops the synth (its whole process group) when aborted; the outcome then says so. */
  readonly signal?: AbortSignal;
  /**
   * Directory of earlier synths of commits, keyed by everything a synth reads (see `synthesisCacheKey`), or false.
   * @default - none
   */
  readonly cache?: string | false;
}

/** Earlier synths kept in a cache directory; the oldest go first. */
const CACHE_ENTRIES_KEPT = 8;
/** Changes when what a cache entry holds changes shape. */
const CACHE_FORMAT = 1;

/** A synth that runs longer than this has hung (a build waiting on input, a network call). */
const SYNTH_TIMEOUT_MS = 10 * 60 * 1000;

/** Lines of a failed build's output kept in the reason. */
const FAILURE_TAIL_LINES = 30;

/** Environment variables a synth child inherits; anything else (tokens, TF_VAR_ values, cloud credentials) is dropped. */
const INHERITED_VARIABLES =
  /^(PATH|HOME|USER|LOGNAME|SHELL|TMPDIR|TMP|TEMP|LANG|LANGUAGE|LC_[A-Z]+|TZ|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|CI|PIPELINE_CONFIG|WTFB_(?!REVIEW_CACHE$)[A-Z0-9_]+)$/;

/**
 * Synthesizes the project as it is on disk into `outdir`. A working tree with nothing to commit is its HEAD commit,
 * so with a cache its synth is kept as that commit's, for a later review whose base or head it is.
 */
export async function synthesizeWorkingTree(
  projectDir: string,
  outdir: string,
  options: SynthesisOptions = {},
): Promise<SynthesisOutcome> {
  const cacheEntry = options.cache ? cleanHeadEntry(projectDir, options.cache) : undefined;
  const failure = await runApp(projectDir, projectDir, outdir, options.signal);
  if (failure !== undefined) return { ok: false, reason: failure };
  const app = readSynthesizedApp(outdir);
  if (cacheEntry !== undefined) storeInCache(outdir, cacheEntry);
  return { ok: true, app };
}

/** The cache entry of HEAD when the project's files are exactly HEAD's (no change, no untracked file), else undefined. */
function cleanHeadEntry(projectDir: string, cache: string): string | undefined {
  const status = git(projectDir, ["status", "--porcelain", "--untracked-files=normal", "--", "."]);
  const tree = git(projectDir, ["rev-parse", "--verify", "--quiet", "HEAD^{tree}"]);
  const prefix = git(projectDir, ["rev-parse", "--show-prefix"]);
  if (!status.ok || status.output !== "" || !tree.ok || !prefix.ok) return undefined;
  return path.join(cache, synthesisCacheKey(projectDir, tree.output, prefix.output));
}

/**
 * Synthesizes the project as it was at a git ref, working in `scratchDir`. With a cache, a commit synthesized before
 * with the same dependencies, Node and environment is read from it instead: synth is a pure function of those.
 */
export async function synthesizeGitRef(
  projectDir: string,
  ref: string,
  scratchDir: string,
  options: SynthesisOptions = {},
): Promise<SynthesisOutcome> {
  if (ref.startsWith("-")) return { ok: false, reason: `${JSON.stringify(ref)} is not a git ref` };
  const toplevel = git(projectDir, ["rev-parse", "--show-toplevel"]);
  if (!toplevel.ok)
    return {
      ok: false,
      reason: `${projectDir} is not inside a git repository, so there is no ${ref} to compare with (${toplevel.output})`,
    };
  const commit = git(projectDir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  if (!commit.ok || commit.output === "") {
    return {
      ok: false,
      reason: `${ref} is not a commit in this repository. In a shallow clone (CI), fetch it first, e.g. \`git fetch --depth=1 origin ${ref}\`.`,
    };
  }
  const sha = commit.output;
  const prefix = git(projectDir, ["rev-parse", "--show-prefix"]).output;
  const treeSha = git(projectDir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${sha}^{tree}`]);
  const cacheEntry =
    options.cache && treeSha.ok
      ? path.join(options.cache, synthesisCacheKey(projectDir, treeSha.output, prefix))
      : undefined;
  if (cacheEntry !== undefined && fs.existsSync(path.join(cacheEntry, "manifest.json"))) {
    try {
      const app = readSynthesizedApp(cacheEntry);
      const now = new Date();
      fs.utimesSync(cacheEntry, now, now);
      return { ok: true, commit: sha, app, cached: true };
    } catch {
      // An entry that cannot be read is synthesized again, and replaced.
    }
  }
  const tree = path.join(scratchDir, "tree");
  const archive = path.join(scratchDir, "source.tar");
  fs.mkdirSync(tree, { recursive: true });
  const exported = git(toplevel.output, ["archive", "--format=tar", `--output=${archive}`, sha]);
  if (!exported.ok) return { ok: false, commit: sha, reason: `git archive ${sha} failed: ${exported.output}` };
  const unpacked = spawnSync("tar", ["-xf", archive, "-C", tree], { encoding: "utf8" });
  fs.rmSync(archive, { force: true });
  if (unpacked.status !== 0)
    return { ok: false, commit: sha, reason: `unpacking ${sha} failed: ${unpacked.stderr || unpacked.error?.message}` };

  const dir = path.join(tree, prefix);
  if (!fs.existsSync(path.join(dir, "cdktf.json"))) {
    return {
      ok: false,
      commit: sha,
      reason: `${ref} has no ${prefix}cdktf.json: it predates the project (or the project lived elsewhere then).`,
    };
  }
  // The base builds with today's dependencies: node_modules is shared, never installed.
  if (!fs.existsSync(path.join(dir, "node_modules")))
    fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"), "dir");
  // Local overrides apply to both sides alike, so they never show up as a change.
  const dotEnv = path.join(projectDir, ".env");
  if (fs.existsSync(dotEnv)) fs.copyFileSync(dotEnv, path.join(dir, ".env"));

  const outdir = path.join(scratchDir, "out");
  const failure = await runApp(dir, projectDir, outdir, options.signal);
  if (failure !== undefined) return { ok: false, commit: sha, reason: failure };
  const app = readSynthesizedApp(outdir);
  if (cacheEntry !== undefined) storeInCache(outdir, cacheEntry);
  return { ok: true, commit: sha, app };
}

/**
 * What a commit's synth depends on beside its files: the Node that runs it, the dependencies (this project's
 * package-lock.json: node_modules is shared), the local `.env` and the environment the synth child gets. Credentials
 * never reach the child, so they are not part of the key either.
 */
export function synthesisCacheKey(projectDir: string, treeSha: string, prefix: string): string {
  const digestOf = (file: string) =>
    fs.existsSync(file) ? createHash("sha256").update(fs.readFileSync(file)).digest("hex") : null;
  const environment = Object.entries(childEnvironment(projectDir))
    .filter(([name]) => !/^(PATH|HOME|USER|LOGNAME|SHELL|TMPDIR|TMP|TEMP)$/.test(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = [
    CACHE_FORMAT,
    process.version,
    process.platform,
    process.arch,
    treeSha,
    prefix,
    digestOf(path.join(projectDir, "package-lock.json")),
    digestOf(path.join(projectDir, ".env")),
    environment,
  ];
  return createHash("sha256").update(JSON.stringify(key)).digest("hex").slice(0, 32);
}

/** Copies a synth's output into the cache as one entry, whole or not at all, and drops the oldest entries. */
function storeInCache(outdir: string, entry: string): void {
  const cache = path.dirname(entry);
  const partial = `${entry}.partial-${process.pid}`;
  try {
    fs.mkdirSync(cache, { recursive: true });
    fs.rmSync(partial, { recursive: true, force: true });
    fs.cpSync(outdir, partial, { recursive: true });
    fs.rmSync(entry, { recursive: true, force: true });
    fs.renameSync(partial, entry);
    const entries = fs
      .readdirSync(cache, { withFileTypes: true })
      .filter((candidate) => candidate.isDirectory() && /^[0-9a-f]{32}$/.test(candidate.name))
      .map((candidate) => ({ name: candidate.name, time: fs.statSync(path.join(cache, candidate.name)).mtimeMs }))
      .sort((a, b) => b.time - a.time);
    for (const old of entries.slice(CACHE_ENTRIES_KEPT))
      fs.rmSync(path.join(cache, old.name), { recursive: true, force: true });
  } catch {
    // A cache that cannot be written only costs the next review a synth.
    fs.rmSync(partial, { recursive: true, force: true });
  }
}

/** Reads a synth output directory: every stack the manifest lists, and every other file as an artifact. */
export function readSynthesizedApp(outdir: string): SynthesizedApp {
  const manifestFile = path.join(outdir, "manifest.json");
  const stackFiles: Record<string, string> = {};
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
      stacks?: Record<string, { synthesizedStackPath?: string }>;
    };
    for (const [name, stack] of Object.entries(manifest.stacks ?? {})) {
      if (stack.synthesizedStackPath) stackFiles[name] = path.join(outdir, stack.synthesizedStackPath);
    }
  }
  const stacks: Record<string, StackJson> = {};
  for (const [name, file] of Object.entries(stackFiles))
    stacks[name] = JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;

  const artifacts: Record<string, string> = {};
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(outdir, full).split(path.sep).join("/");
      if (relative === "stacks" || relative === "manifest.json") continue;
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile()) artifacts[relative] = fs.readFileSync(full, "utf8");
    }
  };
  if (fs.existsSync(outdir)) visit(outdir);
  return { stacks, artifacts };
}

/** Runs a project's cdktf app into `outdir`; returns why it failed, or undefined. */
async function runApp(
  dir: string,
  projectDir: string,
  outdir: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const cdktfJson = path.join(dir, "cdktf.json");
  let app: unknown;
  try {
    app = (JSON.parse(fs.readFileSync(cdktfJson, "utf8")) as { app?: unknown }).app;
  } catch (error) {
    return `cannot read ${cdktfJson}: ${(error as Error).message}`;
  }
  if (typeof app !== "string" || app.trim() === "") return `${cdktfJson} has no "app" command`;

  const result = await run(
    app,
    dir,
    { ...childEnvironment(projectDir), CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
    signal,
  );
  if (result.aborted) return "not synthesized: the other side failed first, so there is nothing to compare";
  if (result.timedOut) return `\`${app}\` did not finish within ${SYNTH_TIMEOUT_MS / 60000} minutes`;
  if (result.status !== 0)
    return `\`${app}\` failed (exit ${result.status}):\n${tail(result.output, FAILURE_TAIL_LINES)}`;
  if (!fs.existsSync(path.join(outdir, "manifest.json")))
    return `\`${app}\` succeeded but wrote no manifest.json into CDKTF_OUTDIR`;
  return undefined;
}

function run(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<{ status: number | null; output: string; timedOut: boolean; aborted: boolean }> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ status: null, output: "", timedOut: false, aborted: true });
      return;
    }
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let aborted = false;
    const abort = () => {
      aborted = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    signal?.addEventListener("abort", abort, { once: true });
    let output = "";
    const collect = (chunk: Buffer) => {
      // Keep the end only: that is where a build or synth says what went wrong.
      output = (output + chunk.toString("utf8")).slice(-64 * 1024);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, "SIGKILL");
    }, SYNTH_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
      resolve({ status: null, output: `${output}${error.message}`, timedOut, aborted });
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
      resolve({ status, output, timedOut, aborted });
    });
  });
}

/** The synth child's environment: no credentials; PIPELINE_CONFIG inside the project made relative, so each side reads its own copy. */
function childEnvironment(projectDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => INHERITED_VARIABLES.test(name)),
  );
  const config = env.PIPELINE_CONFIG;
  if (config && path.isAbsolute(config)) {
    const relative = path.relative(projectDir, config);
    if (!relative.startsWith("..") && !path.isAbsolute(relative)) env.PIPELINE_CONFIG = relative;
  }
  return env;
}

function git(cwd: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (result.error) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: (result.status === 0 ? result.stdout : result.stderr).trim() };
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
