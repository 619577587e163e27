/**
 * `npm run review` end to end, in a temporary git repository holding a copy of this project: a base commit, then a
 * change that adds a secret, changes a reviewer and removes an alert rule.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, temporaryDirectory } from "../helpers";

const REVIEW = path.join(PROJECT_ROOT, "dist", "scripts", "review.js");
const TIMEOUT_MS = 180_000;

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync(
    "git",
    ["-c", "user.name=Review Test", "-c", "user.email=review@example.invalid", "-c", "commit.gpgsign=false", ...args],
    { cwd, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** The suite's own review cache: empty at its start, so the first review of a commit synthesizes it. */
const CACHE = temporaryDirectory("review-cache");

function review(cwd: string, ...args: string[]) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith("WTFB_") && key !== "PIPELINE_CONFIG" && key !== "CDKTF_OUTDIR",
    ),
  );
  const result = spawnSync(process.execPath, [REVIEW, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...env, CHECKPOINT_DISABLE: "1", GITHUB_TOKEN: "ghp_must-not-be-needed", WTFB_REVIEW_CACHE: CACHE },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function editConfig(repo: string, change: (raw: any) => void): void {
  const file = path.join(repo, "pipeline.config.json");
  const raw = JSON.parse(fs.readFileSync(file, "utf8"));
  change(raw);
  fs.writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`);
}

/** The project's sources as they are now (tracked and new files, not ignored ones), node_modules shared by a symlink. */
function copyProject(into: string): void {
  const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  }).stdout.split("\0");
  for (const file of files.filter((f) => f !== "" && !f.startsWith("__tests__/"))) {
    const source = path.join(PROJECT_ROOT, file);
    if (!fs.existsSync(source)) continue;
    fs.mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    fs.copyFileSync(source, path.join(into, file));
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(into, "node_modules"), "dir");
}

describe("npm run review", () => {
  let repo: string;

  beforeAll(() => {
    repo = temporaryDirectory("review");
    git(repo, "init", "-q", "-b", "main");
    // A first commit from before the project existed.
    fs.writeFileSync(path.join(repo, "README.md"), "An application repository.\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "before the pipeline");
    // The base: the project with one extra alert in production.
    copyProject(repo);
    editConfig(repo, (raw) => {
      raw.environments.production.monitoring = {
        ...raw.environments.production.monitoring,
        extraAlerts: [
          {
            name: "CheckoutSlow",
            expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route="/checkout"}[5m])))',
            threshold: 2,
            severity: "warning",
          },
        ],
      };
    });
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "pipeline");
    // The change under review: a new secret, another reviewer, the extra alert gone.
    editConfig(repo, (raw) => {
      raw.environments.production.secrets.push("PAYMENT_API_KEY");
      raw.environments.production.reviewers.users = ["release-captain"];
      delete raw.environments.production.monitoring.extraAlerts;
    });
    git(repo, "commit", "-q", "-am", "payment provider");
  });

  afterAll(() => {
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(CACHE, { recursive: true, force: true });
  });

  test(
    "reports the added secret masked, the reviewer change attribute by attribute, and the removed alert rule flagged first",
    () => {
      // GIVEN a cdktf.out of the user's that must stay as it is
      fs.mkdirSync(path.join(repo, "cdktf.out"), { recursive: true });
      fs.writeFileSync(path.join(repo, "cdktf.out", "marker"), "the user's output\n");
      // WHEN
      const result = review(repo, "--base", "HEAD~1");
      // THEN
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const report = result.stdout;
      expect(report).toMatch(/^## Plan review: HEAD~1 \([0-9a-f]{7}\) → working tree\n/);
      // Production's runtime changed, and nothing is destroyed (containers may be replaced: their environment gains the
      // secret); the secret itself and the reviewers are created and updated by the repository stack (which also
      // changes because the deploy workflows pass the new secret on).
      expect(report).toMatch(/\| `production` \| 0 \| \d+ \| [1-9]\d* \| 0 \| 0 \| \d+ \| {2}\|/);
      expect(report).toMatch(/\| `repository` \| 0 \| 0 \| [1-9]\d* \| 0 \| 1 \| \d+ \| {2}\|/);
      for (const unchanged of ["development", "staging"])
        expect(report).toContain(`| \`${unchanged}\` | 0 | 0 | 0 | 0 | 0 | 0 | no changes |`);

      // The removed rule: flagged in the attention section, which comes before any stack's details.
      const attention = report.slice(report.indexOf("### ⚠️ Needs attention"), report.indexOf("### Stack"));
      expect(attention).toMatch(/\*\*removes\*\* `rule\[name="CheckoutSlow"\]` from `grafana_rule_group\./);
      expect(report.indexOf("### ⚠️ Needs attention")).toBeLessThan(report.indexOf("### Stack `production`"));

      // The reviewer change, on the environment's reviewers.
      // The reviewer change, on production's environment in the repository stack.
      expect(report).toMatch(
        /- `github_repository_environment\.[^`]+` · `repository\/environment-production\/environment`\n {2}- `reviewers\[0\]\.users`: `\["\$\{data\.github_user\.environment-production_reviewer-user-auggie_[0-9A-F]+\.id\}"\]` → `\["\$\{data\.github_user\.environment-production_reviewer-user-release-captain_[0-9A-F]+\.id\}"\]`/,
      );

      // The new secret, its value masked, and the input it needs.
      const created = report.slice(report.indexOf("#### ➕ Create"));
      expect(created).toMatch(
        /- `github_actions_environment_secret\.secrets-production_secret-PAYMENT_API_KEY_[0-9A-F]+` · `repository\/secrets-production\/secret-PAYMENT_API_KEY`\n(?: {2}- .*\n)*? {2}- `plaintext_value` = \*\*\(sensitive\)\*\*/,
      );
      expect(report).toContain("supply `TF_VAR_secret_payment_api_key` when deploying this stack");
      expect(report).toContain("supply `TF_VAR_production_secret_payment_api_key` when deploying this stack");
      expect(report).not.toMatch(/\$\{var\.[a-z_]*secret_/);

      // The user's working tree and output are untouched.
      expect(git(repo, "status", "--porcelain")).toBe("");
      expect(fs.readdirSync(path.join(repo, "cdktf.out"))).toEqual(["marker"]);
    },
    TIMEOUT_MS,
  );

  test(
    "says clearly when the base predates the project, and shows the head as all added",
    () => {
      // WHEN
      const result = review(repo, "--base", "HEAD~2");
      // THEN
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(
        "> **The base HEAD~2 could not be synthesized**, so every resource below is shown as added",
      );
      expect(result.stdout).toContain("HEAD~2 has no cdktf.json: it predates the project");
      for (const stack of ["development", "staging", "production", "repository"])
        expect(result.stdout).toMatch(
          new RegExp(`\\| \`${stack}\` \\| 0 \\| 0 \\| 0 \\| 0 \\| [1-9]\\d* \\| \\d+ \\| new stack \\|`),
        );
    },
    TIMEOUT_MS,
  );

  test(
    "compares two commits with --head, and writes the report to --output",
    () => {
      // GIVEN
      const outputDir = temporaryDirectory("review-output");
      const output = path.join(outputDir, "review.md");
      // WHEN
      const result = review(repo, "--base", "HEAD~1", "--head", "HEAD", "--output", output);
      // THEN
      expect(result.status).toBe(0);
      expect(result.stdout).toBe("");
      // The first review synthesized HEAD~1 as its base, and HEAD as its working tree, which had nothing to commit:
      // both are read from the cache.
      const note = (side: string) =>
        `${side} \\([0-9a-f]{7}\\): read from the review cache in [^\\n]*review-cache[^\\n]*, as an earlier review synthesized it with the same dependencies, Node and environment; --no-cache synthesizes it again\\n`;
      expect(result.stderr).toMatch(new RegExp(`^${note("HEAD~1")}${note("HEAD")}$`));
      const written = fs.readFileSync(output, "utf8");
      fs.rmSync(outputDir, { recursive: true, force: true });
      expect(written).toMatch(
        /^## Plan review: HEAD~1 \([0-9a-f]{7}\) → HEAD \([0-9a-f]{7}\)\n[\s\S]*removes\*\* `rule\[name="CheckoutSlow"\]`/,
      );
    },
    TIMEOUT_MS,
  );

  test(
    "fails with exit 1 and the config problem when the working tree cannot be synthesized",
    () => {
      // GIVEN
      const file = path.join(repo, "pipeline.config.json");
      const good = fs.readFileSync(file, "utf8");
      editConfig(repo, (raw) => (raw.environments.production.reviewers = { users: [], teams: [] }));
      try {
        // WHEN
        const result = review(repo, "--base", "HEAD");
        // THEN
        expect(result.status).toBe(1);
        expect(result.stdout).toContain("**working tree could not be synthesized**");
        expect(result.stdout).toContain("environments.production.reviewers: production needs at least one reviewer");
      } finally {
        fs.writeFileSync(file, good);
      }
    },
    TIMEOUT_MS,
  );

  test(
    "fails when the base is not a commit, with exit 2 and how to fetch it (not an everything-added report)",
    () => {
      // WHEN
      const result = review(repo, "--base", "no-such-branch");
      // THEN
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        "--base: no-such-branch is not a commit in this repository: check the name, or in a shallow clone (CI) fetch it first, e.g. `git fetch --depth=1 origin no-such-branch`",
      );
    },
    TIMEOUT_MS,
  );

  test("fails with a usage message when --base is missing", () => {
    // WHEN
    const result = review(repo);
    // THEN
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--base is required\nusage: npm run review -- --base <git-ref>/);
  });
});
