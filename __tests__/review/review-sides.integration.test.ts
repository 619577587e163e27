/**
 * How the review synthesizes its two sides, on a project whose cdktf app is a shell command: the cache of commits'
 * synths, and the base's synth stopped when the head fails. (review-cli.test.ts runs the real project end to end.)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { reviewPlan } from "../../review/review";
import { synthesisCacheKey } from "../../review/synthesize-source";
import { temporaryDirectory } from "../helpers";

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync(
    "git",
    ["-c", "user.name=Review Test", "-c", "user.email=review@example.invalid", "-c", "commit.gpgsign=false", ...args],
    { cwd, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** A cdktf app that writes one stack holding `marker`, and counts its runs in `runs`. */
function app(runs: string, marker: string): string {
  const stack = JSON.stringify({ resource: { terraform_data: { marker: { input: marker } } } });
  return [
    `echo run >> ${runs}`,
    'mkdir -p "$CDKTF_OUTDIR/stacks/only"',
    `printf '%s' '${stack}' > "$CDKTF_OUTDIR/stacks/only/cdk.tf.json"`,
    `printf '%s' '{"stacks":{"only":{"synthesizedStackPath":"stacks/only/cdk.tf.json"}}}' > "$CDKTF_OUTDIR/manifest.json"`,
  ].join(" && ");
}

function project(): { dir: string; runs: string; cache: string; commit: (appCommand: string) => void } {
  const dir = temporaryDirectory("review-sides");
  const runs = path.join(temporaryDirectory("review-runs"), "runs");
  const cache = temporaryDirectory("review-sides-cache");
  git(dir, "init", "-q", "-b", "main");
  return {
    dir,
    runs,
    cache,
    commit: (appCommand) => {
      fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ app: appCommand }));
      git(dir, "add", "-A");
      git(dir, "commit", "-q", "-m", "change");
    },
  };
}

const runCount = (runs: string) =>
  fs.existsSync(runs) ? fs.readFileSync(runs, "utf8").split("\n").filter(Boolean).length : 0;

describe("the review's base synth", () => {
  test("is read from the cache when the same commit was synthesized before with the same inputs, and only then", async () => {
    // GIVEN a base commit and a working tree that changes the marker
    const { dir, runs, cache, commit } = project();
    commit(app(runs, "base"));
    fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ app: app(runs, "head") }));

    // WHEN the review runs twice
    const first = await reviewPlan({ base: "HEAD", projectDir: dir, cache });
    const second = await reviewPlan({ base: "HEAD", projectDir: dir, cache });

    // THEN the base synthesized once (plus the working tree twice), and both reports are the same
    expect(runCount(runs)).toBe(3);
    expect(first.base).toMatchObject({ synthesized: true, cached: false });
    expect(second.base).toMatchObject({ synthesized: true, cached: true });
    expect(second.stacks).toEqual(first.stacks);
    expect(second.stacks[0].changes.map((change) => `${change.action} ${change.address}`)).toEqual([
      "update terraform_data.marker",
    ]);

    // AND a .env (which the synth reads) or no cache at all means synthesizing again
    fs.writeFileSync(path.join(dir, ".env"), "WTFB_GRAFANA_URL=https://grafana.example\n");
    const withEnv = await reviewPlan({ base: "HEAD", projectDir: dir, cache });
    const uncached = await reviewPlan({ base: "HEAD", projectDir: dir, cache: false });
    expect(withEnv.base).toMatchObject({ cached: false });
    expect(uncached.base).toMatchObject({ cached: false });
    expect(runCount(runs)).toBe(7);
  }, 60000);

  test("keys on what the synth reads: the commit's files, the dependencies and the environment it gets", () => {
    const { dir, commit, runs } = project();
    commit(app(runs, "x"));
    const tree = git(dir, "rev-parse", "HEAD^{tree}");
    const key = synthesisCacheKey(dir, tree, "");
    expect(synthesisCacheKey(dir, tree, "")).toBe(key);
    expect(synthesisCacheKey(dir, "0".repeat(40), "")).not.toBe(key);
    fs.writeFileSync(path.join(dir, "package-lock.json"), "{}");
    const withLock = synthesisCacheKey(dir, tree, "");
    expect(withLock).not.toBe(key);
    const saved = process.env.PIPELINE_CONFIG;
    process.env.PIPELINE_CONFIG = "other.config.json";
    try {
      expect(synthesisCacheKey(dir, tree, "")).not.toBe(withLock);
    } finally {
      if (saved === undefined) delete process.env.PIPELINE_CONFIG;
      else process.env.PIPELINE_CONFIG = saved;
    }
    // Credentials never reach the synth, so they do not split the cache.
    process.env.GITHUB_TOKEN_FOR_TEST = "ghp_x";
    try {
      expect(synthesisCacheKey(dir, tree, "")).toBe(withLock);
    } finally {
      delete process.env.GITHUB_TOKEN_FOR_TEST;
    }
  });

  test("is stopped when the head cannot be synthesized: there is nothing to compare", async () => {
    // GIVEN a base whose synth would take 60 seconds, and a working tree whose synth fails at once
    const { dir, cache, commit } = project();
    commit("sleep 60");
    fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ app: "echo 'config: broken' >&2; exit 3" }));
    // WHEN
    const started = Date.now();
    const review = await reviewPlan({ base: "HEAD", projectDir: dir, cache });
    // THEN the review ends with the head's failure, long before the base's synth would have
    expect(Date.now() - started).toBeLessThan(30000);
    expect(review.head).toMatchObject({ synthesized: false, reason: expect.stringContaining("config: broken") });
    expect(review.base).toMatchObject({
      synthesized: false,
      reason: "not synthesized: the other side failed first, so there is nothing to compare",
    });
    expect(fs.readdirSync(cache)).toEqual([]);
  }, 60000);
});

describe("the review's working tree synth", () => {
  test("is kept as HEAD's when the working tree has nothing to commit, and only then", async () => {
    // GIVEN two commits, and a working tree that is the second
    const { dir, runs, cache, commit } = project();
    commit(app(runs, "first"));
    commit(app(runs, "second"));
    // WHEN the clean working tree is reviewed against the first commit
    await reviewPlan({ base: "HEAD~1", projectDir: dir, cache });
    // THEN HEAD (the second) is in the cache: as the base of the next review, it is not synthesized again
    const next = await reviewPlan({ base: "HEAD", projectDir: dir, cache });
    expect(next.base).toMatchObject({ synthesized: true, cached: true });
    expect(runCount(runs)).toBe(3);

    // WHEN the working tree has an uncommitted change and is reviewed
    fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ app: app(runs, "uncommitted") }));
    await reviewPlan({ base: "HEAD", projectDir: dir, cache });
    // THEN HEAD's entry is still the committed synth, not the changed tree's
    const committed = await reviewPlan({ base: "HEAD~1", head: "HEAD", projectDir: dir, cache });
    expect(committed.head).toMatchObject({ synthesized: true, cached: true });
    expect(committed.stacks[0].changes[0].attributes).toEqual([
      { path: "input", before: "first", after: "second", replacement: "in-place" },
    ]);
  }, 60000);
});
