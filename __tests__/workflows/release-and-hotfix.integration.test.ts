import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { refPatternMatches } from "../../config/patterns";
import { shippedConfig, temporaryDirectory } from "../helpers";
import { variantConfig } from "./support/configs";
import { generatedWorkflows, runScript, stepById, stepByName } from "./support/workflows";

const workflows = generatedWorkflows(shippedConfig());
const release = workflows["release.yml"].parsed;
const hotfix = workflows["hotfix.yml"].parsed;

describe("release workflow", () => {
  test("runs on the configured cadence and on demand with a major/minor/patch choice", () => {
    expect(release.on.schedule).toEqual([{ cron: "0 8 * * 2" }]);
    expect(generatedWorkflows(variantConfig())["release.yml"].parsed.on.schedule).toEqual([{ cron: "30 9 * * 4" }]);
    expect(release.on.workflow_dispatch.inputs.bump).toMatchObject({
      type: "choice",
      options: ["auto", "patch", "minor", "major"],
    });
    expect(stepById(release.jobs.release, "plan").env).toMatchObject({ EVERY_WEEKS: "2", TAG_PREFIX: "v" });
  });

  test("pushes the release commit and tag with the release token of the release environment, so the tag starts the production deploy; publishes with the job's own", () => {
    const job = release.jobs.release;
    expect(job.permissions).toEqual({ contents: "write" });
    expect(job.environment).toEqual({ name: "release" });
    const checkout = job.steps.find((step: any) => String(step.uses).startsWith("actions/checkout@"));
    expect(checkout.with).toMatchObject({
      "fetch-depth": 0,
      ref: "main",
      token: "${{ secrets.RELEASE_TOKEN }}",
      "persist-credentials": true,
    });
    expect(stepByName(job, /commit and tag/).run).toContain(
      'git push --atomic origin "HEAD:refs/heads/$DEFAULT_BRANCH" "refs/tags/$TAG"',
    );
    expect(stepByName(job, /Publish the GitHub release/)).toMatchObject({ env: { GH_TOKEN: "${{ github.token }}" } });
  });

  test("its tags are ones production deploys on", () => {
    // The prefix the release workflow tags with, and the tag patterns the production deploy runs on, as written.
    for (const generated of [workflows, generatedWorkflows(variantConfig())]) {
      const prefix = stepById(generated["release.yml"].parsed.jobs.release, "plan").env.TAG_PREFIX;
      const deployTags: string[] = generated["deploy-production.yml"].parsed.on.push.tags;
      expect(deployTags.some((pattern) => refPatternMatches(pattern, `${prefix}1.5.0`))).toBe(true);
    }
  });

  describe("deciding the version and writing the notes (the script, in a real git repository)", () => {
    const script = stepById(release.jobs.release, "plan").run;

    function repository(commits: string[], tag = "v1.4.2"): string {
      const directory = temporaryDirectory("release");
      const git = (...args: string[]) =>
        execFileSync("git", args, {
          cwd: directory,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: "a",
            GIT_AUTHOR_EMAIL: "a@example.com",
            GIT_COMMITTER_NAME: "a",
            GIT_COMMITTER_EMAIL: "a@example.com",
          },
        });
      git("init", "--quiet", "--initial-branch=main");
      fs.writeFileSync(path.join(directory, "package.json"), JSON.stringify({ name: "web", version: "1.4.2" }));
      git("add", ".");
      git("commit", "--quiet", "-m", "chore: initial");
      git("tag", tag);
      for (const message of commits) git("commit", "--quiet", "--allow-empty", "-m", message);
      return directory;
    }
    const env = (bump = "auto") => ({
      EVENT_NAME: "workflow_dispatch",
      BUMP: bump,
      EVERY_WEEKS: "2",
      TAG_PREFIX: "v",
      FIRST_PACKAGE_JSON: "package.json",
    });

    test("features raise the minor version; notes group features, fixes and other changes", () => {
      // GIVEN
      const directory = repository(["feat(cart): add coupons", "fix: round totals to cents", "docs: explain coupons"]);

      // WHEN
      const result = runScript(script, { cwd: directory, env: env() });

      // THEN
      expect(result.status).toBe(0);
      expect(result.outputs).toMatchObject({ due: "true", version: "1.5.0", tag: "v1.5.0" });
      const notes = result.stdout;
      expect(notes).toMatch(/^## v1\.5\.0 \(\d{4}-\d\d-\d\d\)/);
      expect(notes).toMatch(/### Features\n- feat\(cart\): add coupons \([0-9a-f]{7}\)/);
      expect(notes).toMatch(/### Fixes\n- fix: round totals to cents/);
      expect(notes).toMatch(/### Other changes\n- docs: explain coupons/);
      expect(notes).not.toContain("Breaking changes");
    });

    test("a breaking change raises the major version and comes first in the notes", () => {
      const result = runScript(script, { cwd: repository(["feat!: drop the v1 API", "fix: typo"]), env: env() });
      expect(result.outputs.version).toBe("2.0.0");
      expect(result.stdout.indexOf("### Breaking changes")).toBeLessThan(result.stdout.indexOf("### Fixes"));
    });

    test("the dispatcher's choice wins over the commits", () => {
      const result = runScript(script, { cwd: repository(["feat: big feature"]), env: env("patch") });
      expect(result.outputs.version).toBe("1.4.3");
    });

    test("nothing to release without new commits", () => {
      const result = runScript(script, { cwd: repository([]), env: env() });
      expect(result.status).toBe(0);
      expect(result.outputs).toEqual({ due: "false" });
    });

    test("a scheduled run releases only every configured number of weeks", () => {
      // GIVEN: a `date` that says it is week 2900 (even) or 2901 (odd) since the epoch
      const directory = repository(["fix: something"]);
      const bin = path.join(directory, "fake-bin");
      fs.mkdirSync(bin);
      fs.writeFileSync(
        path.join(bin, "date"),
        '#!/usr/bin/env bash\nif [ "$*" = "-u +%s" ]; then echo "$FAKE_NOW"; else exec /usr/bin/date "$@"; fi\n',
        { mode: 0o755 },
      );
      const scheduled = (now: number) =>
        runScript(script, {
          cwd: directory,
          pathPrepend: bin,
          env: { ...env(), EVENT_NAME: "schedule", FAKE_NOW: String(now) },
        });

      // THEN
      expect(scheduled(2900 * 604800 + 100).outputs.due).toBe("true");
      expect(scheduled(2901 * 604800 + 100).outputs).toEqual({ due: "false" });
    });
  });
});

describe("hotfix workflow", () => {
  test("runs on the configured hotfix branches", () => {
    expect(hotfix.on.push).toEqual({ branches: ["hotfix/*"] });
    expect(
      generatedWorkflows(shippedConfig((raw) => (raw.repository.hotfixBranches = "urgent/*")))["hotfix.yml"].parsed.on
        .push,
    ).toEqual({ branches: ["urgent/*"] });
  });

  test("CI, then staging, then production through the same deploy workflows (so production's approval applies), then the release notes", () => {
    expect(hotfix.jobs.ci.uses).toBe("./.github/workflows/ci.yml");
    expect(hotfix.jobs["deploy-staging"]).toMatchObject({
      uses: "./.github/workflows/deploy-staging.yml",
      needs: ["ci"],
      with: { versions: "${{ needs.ci.outputs.versions }}" },
    });
    expect(hotfix.jobs["deploy-production"]).toMatchObject({
      uses: "./.github/workflows/deploy-production.yml",
      needs: ["ci", "deploy-staging"],
      with: { versions: "${{ needs.ci.outputs.versions }}", emergency: "${{ inputs.emergency == true }}" },
    });
    expect(hotfix.jobs["record-hotfix"].needs).toContain("deploy-production");
    expect(hotfix.jobs["record-hotfix"].steps[1].run).toContain(
      'gh release create "$tag" --target "$GITHUB_SHA" --title "$tag (hotfix)"',
    );
  });

  test("grants each called workflow what its jobs need, and passes the secrets it declares", () => {
    expect(hotfix.jobs["deploy-production"].permissions).toEqual({ contents: "read", deployments: "write" });
    const declared = Object.keys(workflows["deploy-production.yml"].parsed.on.workflow_call.secrets).sort();
    expect(Object.keys(hotfix.jobs["deploy-production"].secrets).sort()).toEqual(declared);
    for (const [name, value] of Object.entries(hotfix.jobs["deploy-production"].secrets))
      expect(value).toBe(`\${{ secrets.${name} }}`);
  });
});
