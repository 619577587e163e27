import * as fs from "fs";
import * as path from "path";
import { PLAN_REVIEW_MARKER } from "../../constructs/workflows/plan-review-workflows";
import { shippedConfig, temporaryDirectory } from "../helpers";
import { generatedWorkflows, runScript, stepByName } from "./support/workflows";

const workflows = generatedWorkflows(shippedConfig());
const review = workflows["plan-review.yml"].parsed;
const comment = workflows["plan-review-comment.yml"].parsed;

describe("plan review: safe for pull requests from forks", () => {
  test("runs on pull_request only (never pull_request_target), for changes to the wtfb-deploy directory, with read-only jobs", () => {
    expect(Object.keys(review.on)).toEqual(["pull_request"]);
    expect(review.on.pull_request.paths).toEqual(["infra/**"]);
    for (const job of Object.values<any>(review.jobs)) expect(job.permissions).toEqual({ contents: "read" });
  });

  test("synthesizes the pull request against its base with the review command, and leaves the report as an artifact", () => {
    const job = review.jobs.review;
    expect(job.steps[0].with["fetch-depth"]).toBe(0);
    const report = stepByName(job, /Report what would change/);
    expect(report.run).toContain('npm run --silent review -- --base "$BASE_SHA"');
    expect(report.env.BASE_SHA).toBe("${{ github.event.pull_request.base.sha }}");
    // The review fits the comment stack by stack (never a blind cut that drops whole stacks), linking the full report beside it.
    expect(report.run).toContain(
      '--max-length "$REPORT_LENGTH" --full-report-url "$RUN_URL" --output "$out/report.md" --full-output "$out/report-full.md"',
    );
    expect(report.env.REPORT_LENGTH).toBe("55000");
    expect(report.env.RUN_URL).toBe(
      "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
    );
    expect(stepByName(job, /Upload the report/).with).toMatchObject({
      name: "plan-review",
      path: "${{ runner.temp }}/plan-review/",
    });
  });

  test("adds the real cdktf diff only where the credentials and the real (remote) state are, and never for a fork", () => {
    // GIVEN: the shipped repository stack keeps local state, which a runner does not have
    expect(review.jobs.diff).toBeUndefined();
    const remote = generatedWorkflows(
      shippedConfig(
        (raw) =>
          (raw.repository.backend = { type: "s3", bucket: "state", key: "repository.tfstate", region: "eu-central-1" }),
      ),
    )["plan-review.yml"].parsed;

    // THEN
    const diff = remote.jobs.diff;
    expect(diff.if).toBe("${{ github.event.pull_request.head.repo.full_name == github.repository }}");
    // A read-only token: the pull request's code runs in this job.
    expect(diff.env.HAS_CREDENTIALS).toBe("${{ secrets.PLAN_REVIEW_TOKEN != '' }}");
    const run = stepByName(diff, /cdktf diff repository/);
    expect(run.if).toBe("${{ env.HAS_CREDENTIALS == 'true' }}");
    expect(run.run).toContain('npx --no-install cdktf diff "$STACK"');
    expect(run.env).toMatchObject({
      STACK: "repository",
      GITHUB_TOKEN: "${{ secrets.PLAN_REVIEW_TOKEN }}",
      AWS_ACCESS_KEY_ID: "${{ secrets.AWS_ACCESS_KEY_ID }}",
    });
  });

  test("the comment workflow holds the write token but runs no pull request code: no checkout, artifacts as data", () => {
    expect(comment.on).toEqual({ workflow_run: { workflows: [review.name], types: ["completed"] } });
    const job = comment.jobs.comment;
    expect(job.permissions).toEqual({ actions: "read", "pull-requests": "write" });
    expect(job.if).toContain("github.event.workflow_run.event == 'pull_request'");
    expect(job.steps.some((step: any) => String(step.uses).startsWith("actions/checkout@"))).toBe(false);
    expect(job.steps[0].with).toMatchObject({ pattern: "plan-*", "run-id": "${{ github.event.workflow_run.id }}" });
  });

  describe("keeps ONE comment up to date (the script, run with a stand-in gh)", () => {
    const script = stepByName(comment.jobs.comment, /Create or update the one plan comment/).run;

    /** A gh that answers like GitHub and logs what it was asked to do. */
    function fakeGh(directory: string, answers: { headSha: string; existingCommentId?: string }): string {
      const bin = path.join(directory, "bin");
      fs.mkdirSync(bin);
      fs.writeFileSync(
        path.join(bin, "gh"),
        `#!/usr/bin/env bash
echo "$*" >> "${directory}/gh.log"
case "$*" in
  *"/pulls/"*) echo "${answers.headSha}" ;;
  *"/comments --jq"*) ${answers.existingCommentId ? `echo "${answers.existingCommentId}"` : "true"} ;;
  *"-F body=@"*) args="$*"; cp "\${args##*body=@}" "${directory}/posted.md" ;;
esac
`,
        { mode: 0o755 },
      );
      return bin;
    }

    function artifacts(directory: string, pullRequest: string): string {
      const root = path.join(directory, "artifacts");
      fs.mkdirSync(path.join(root, "plan-review"), { recursive: true });
      fs.writeFileSync(path.join(root, "plan-review", "report.md"), "### repository\n- ~ github_repository_file.ci\n");
      fs.writeFileSync(path.join(root, "plan-review", "pull-request"), `${pullRequest}\n`);
      return root;
    }

    const env = (root: string) => ({
      REPOSITORY: "wtfb/wtfb-app",
      HEAD_SHA: "abc123",
      RUN_URL: "https://github.com/wtfb/wtfb-app/actions/runs/1",
      ARTIFACTS: root,
      MARKER: PLAN_REVIEW_MARKER,
      REPORT_LENGTH: "55000",
    });

    test("creates the comment, marked, when there is none", () => {
      // GIVEN
      const directory = temporaryDirectory("plan-comment");
      const bin = fakeGh(directory, { headSha: "abc123" });

      // WHEN
      const result = runScript(script, { env: env(artifacts(directory, "42")), pathPrepend: bin });

      // THEN
      expect(result.status).toBe(0);
      const log = fs.readFileSync(path.join(directory, "gh.log"), "utf8");
      expect(log).toContain("api --method POST repos/wtfb/wtfb-app/issues/42/comments");
      expect(log).not.toContain("PATCH");
      const posted = fs.readFileSync(path.join(directory, "posted.md"), "utf8");
      expect(posted.split("\n")[0]).toBe(PLAN_REVIEW_MARKER);
      expect(posted).toContain("github_repository_file.ci");
    });

    test("updates the marked comment when it exists", () => {
      const directory = temporaryDirectory("plan-comment");
      const bin = fakeGh(directory, { headSha: "abc123", existingCommentId: "9001" });
      const result = runScript(script, { env: env(artifacts(directory, "42")), pathPrepend: bin });
      expect(result.status).toBe(0);
      const log = fs.readFileSync(path.join(directory, "gh.log"), "utf8");
      expect(log).toContain("api --method PATCH repos/wtfb/wtfb-app/issues/comments/9001");
      expect(log).not.toContain("--method POST");
    });

    test("comments nowhere when the pull request has moved on from the reviewed commit", () => {
      const directory = temporaryDirectory("plan-comment");
      const bin = fakeGh(directory, { headSha: "def456" });
      const result = runScript(script, { env: env(artifacts(directory, "42")), pathPrepend: bin });
      expect(result.status).toBe(0);
      expect(fs.readFileSync(path.join(directory, "gh.log"), "utf8")).not.toMatch(/--method (POST|PATCH)/);
    });

    test("fails when the artifact does not name a pull request by number", () => {
      const directory = temporaryDirectory("plan-comment");
      const bin = fakeGh(directory, { headSha: "abc123" });
      const result = runScript(script, { env: env(artifacts(directory, "42; rm -rf /")), pathPrepend: bin });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("names no pull request");
      expect(fs.existsSync(path.join(directory, "gh.log"))).toBe(false);
    });
  });
});
