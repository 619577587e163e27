import * as fs from "fs";
import * as path from "path";
import { ENVIRONMENT_NAMES } from "../../config/environments";
import { shippedConfig, temporaryDirectory } from "../helpers";
import { variantConfig } from "./support/configs";
import { generatedWorkflows, runScript, stepById, stepIndex } from "./support/workflows";

const workflows = generatedWorkflows(shippedConfig());
const rollback = workflows["rollback.yml"].parsed;
const audit = workflows["secrets-audit.yml"].parsed;

describe("rollback workflow", () => {
  test("starts only from its own dispatch (by hand, or the alert webhook with a token that may only dispatch), never repository_dispatch", () => {
    expect(Object.keys(rollback.on)).toEqual(["workflow_dispatch"]);
    const inputs = rollback.on.workflow_dispatch.inputs;
    expect(inputs["seen-version"]).toMatchObject({ type: "string", required: false });
    expect(inputs.alertname).toMatchObject({ type: "string", required: false });
    expect(inputs.environment).toMatchObject({ type: "choice", options: [...ENVIRONMENT_NAMES], required: true });
    expect(inputs.application).toMatchObject({ type: "choice", options: ["all", "web"], default: "all" });
    expect(inputs.version).toMatchObject({ type: "string", required: false });
    expect(inputs.reason).toMatchObject({ type: "string", required: true });
    expect(inputs["revert-migration"]).toMatchObject({ type: "boolean", default: false });
  });

  test.each(ENVIRONMENT_NAMES)(
    "rolls back %s in its own environment, in a group of its own that a deploy cannot replace, waiting on the state lock",
    (environment) => {
      const job = rollback.jobs[`rollback-${environment}`];
      expect(job).toMatchObject({
        needs: ["request"],
        if: `\${{ needs.request.outputs.environment == '${environment}' }}`,
        environment: { name: environment },
        concurrency: { group: `rollback-${environment}`, "cancel-in-progress": false },
      });
      // GitHub keeps one pending run per group: sharing the deploy's group would let a push replace a queued rollback.
      expect(job.concurrency.group).not.toBe(
        workflows[`deploy-${environment}.yml`].parsed.jobs.deploy.concurrency.group,
      );
      expect(stepById(job, "rollback").env).toMatchObject({
        TF_CLI_ARGS_apply: "-lock-timeout=30m",
        TF_CLI_ARGS_plan: "-lock-timeout=30m",
      });
      expect(stepById(job, "versions").env.ROLLBACK_SEEN_VERSION).toBe("${{ needs.request.outputs.seen-version }}");
      const order = [
        "versions",
        "announce-start",
        "revert-migration",
        "rollback",
        "smoke",
        "verify",
        "known-good",
        "record",
        "announce-end",
      ].map((id) => stepIndex(job, id));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(stepById(job, "revert-migration")).toMatchObject({
        if: "${{ needs.request.outputs.revert-migration == 'true' }}",
        run: 'node "$WTFB_CLI" revert-migrations',
      });
      expect(stepById(job, "rollback").run).toBe('node "$WTFB_CLI" apply rollback');
      expect(stepById(job, "versions").env.ROLLBACK_REASON).toBe("${{ needs.request.outputs.reason }}");
    },
  );

  test("without a down migration in the config there is no revert step", () => {
    const variant = generatedWorkflows(variantConfig((raw) => delete raw.applications[0].database.rollbackCommand))[
      "rollback.yml"
    ].parsed;
    expect(() => stepIndex(variant.jobs["rollback-production"], "revert-migration")).toThrow();
  });

  describe("the request check treats inputs and alert payloads as untrusted (the script, run with bash)", () => {
    const script = stepById(rollback.jobs.request, "request").run;
    const base = { ENVIRONMENTS: "development staging production", APPLICATIONS: "web", GITHUB_ACTOR: "alice" };

    test("an alert's dispatch names the environment, application and the version it saw; its reason is flattened to one line", () => {
      const result = runScript(script, {
        env: {
          ...base,
          INPUT_ENVIRONMENT: "production",
          INPUT_APPLICATION: "web",
          INPUT_SEEN_VERSION: "1.4.2",
          INPUT_REASON: "error rate 2%\n::set-output name=x::y",
          INPUT_ALERTNAME: "ErrorRateHigh; rm -rf /",
        },
      });
      expect(result.status).toBe(0);
      expect(result.outputs).toEqual({
        environment: "production",
        application: "web",
        version: "",
        reason: "error rate 2% ::set-output name=x::y",
        alertname: "ErrorRateHighrm-rf",
        "revert-migration": "false",
        "seen-version": "1.4.2",
      });
    });

    test("a dispatch without an application rolls back all of them, to the version asked for", () => {
      const result = runScript(script, {
        env: {
          ...base,
          INPUT_ENVIRONMENT: "staging",
          INPUT_VERSION: "1.4.1",
          INPUT_REASON: "checkout broken",
          INPUT_REVERT_MIGRATION: "true",
        },
      });
      expect(result.outputs).toMatchObject({
        environment: "staging",
        application: "all",
        version: "1.4.1",
        reason: "checkout broken",
        "revert-migration": "true",
      });
    });

    test.each([
      ["an unknown environment", { INPUT_ENVIRONMENT: "prod", INPUT_APPLICATION: "web" }, "names no known environment"],
      [
        "two environments in one (a substring of the list)",
        { INPUT_ENVIRONMENT: "development staging", INPUT_APPLICATION: "web" },
        "names no known environment",
      ],
      [
        "an unknown application",
        { INPUT_ENVIRONMENT: "production", INPUT_APPLICATION: "api" },
        "names no known application",
      ],
      [
        "two applications in one (a substring of the list)",
        { INPUT_ENVIRONMENT: "production", INPUT_APPLICATION: "all web" },
        "names no known application",
      ],
      [
        "a seen version that is no image tag",
        { INPUT_ENVIRONMENT: "production", INPUT_APPLICATION: "web", INPUT_SEEN_VERSION: "1.4.2 $(id)" },
        "not an image tag",
      ],
    ])("fails when the dispatch names %s", (_, inputs, message) => {
      const result = runScript(script, { env: { ...base, INPUT_REASON: "x", ...inputs } });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(message);
      expect(result.outputs).toEqual({});
    });

    test("a version may carry its digest (a known-good record holds tag@sha256:…); the seen version too", () => {
      const pinned = `1.4.1-abc1234@sha256:${"3f".repeat(32)}`;
      const result = runScript(script, {
        env: {
          ...base,
          INPUT_ENVIRONMENT: "staging",
          INPUT_VERSION: pinned,
          INPUT_SEEN_VERSION: pinned,
          INPUT_REASON: "x",
        },
      });
      expect(result.status).toBe(0);
      expect(result.outputs).toMatchObject({ version: pinned, "seen-version": pinned });
      for (const bad of [
        "1.4.1@sha256:abc",
        `1.4.1@sha256:${"3f".repeat(32)}$(id)`,
        `1.4.1@sha512:${"3f".repeat(32)}`,
      ]) {
        const rejected = runScript(script, {
          env: { ...base, INPUT_ENVIRONMENT: "staging", INPUT_VERSION: bad, INPUT_REASON: "x" },
        });
        expect(rejected.status).toBe(1);
        expect(rejected.stdout).toContain("not an image tag");
      }
    });

    test("fails when the version is not an image tag", () => {
      const result = runScript(script, {
        env: { ...base, INPUT_ENVIRONMENT: "staging", INPUT_VERSION: "1.4.1$(id)", INPUT_REASON: "x" },
      });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("not an image tag");
    });
  });
});

describe("secrets audit workflow", () => {
  const step = audit.jobs.audit.steps[0];

  test("runs on its schedule with the configured maximum age, and knows what each environment must have", () => {
    expect(audit.on.schedule).toEqual([{ cron: "0 6 * * 1" }]);
    const rescheduled = generatedWorkflows(variantConfig((raw) => (raw.workflows.secretsAuditCron = "15 4 * * 5")))[
      "secrets-audit.yml"
    ].parsed;
    expect(rescheduled.on.schedule).toEqual([{ cron: "15 4 * * 5" }]);
    expect(step.env).toMatchObject({
      MAX_AGE_DAYS: "90",
      DECLARED_PRODUCTION: "DATABASE_URL SESSION_SECRET SENTRY_DSN",
      DECLARED_DEVELOPMENT: "DATABASE_URL SESSION_SECRET",
      GH_TOKEN: "${{ secrets.SECRETS_AUDIT_TOKEN }}",
    });
    expect(step.env.PIPELINE_PRODUCTION.split(" ")).not.toContain("PIPELINE_ADMIN_TOKEN");
    expect(step.env.PIPELINE_PRODUCTION.split(" ")).toEqual(
      expect.arrayContaining([
        "DEPLOY_TOKEN",
        "GRAFANA_AUTH",
        "REGISTRY_PASSWORD",
        "AWS_SECRET_ACCESS_KEY",
        "DOCKER_SSH_PRIVATE_KEY",
      ]),
    );
    expect(step.env.PIPELINE_DEVELOPMENT.split(" ")).not.toContain("AWS_SECRET_ACCESS_KEY");
  });

  test("flags stale and missing secrets in the job summary and fails (the script, with a stand-in gh and clock)", () => {
    // GIVEN: today is 2026-06-01; SESSION_SECRET in production was last set 200 days ago; SENTRY_DSN was never set
    const directory = temporaryDirectory("audit");
    const bin = path.join(directory, "bin");
    fs.mkdirSync(bin);
    const listing = (lines: string[]) => lines.map((line) => `echo "${line}"`).join("; ");
    fs.writeFileSync(
      path.join(bin, "gh"),
      `#!/usr/bin/env bash
case "$*" in
  *"repos/wtfb/wtfb-app/actions/secrets"*) ${listing(["DEPLOY_TOKEN 2026-05-01T10:00:00Z", "GRAFANA_AUTH 2026-05-01T10:00:00Z", "REGISTRY_USERNAME 2026-05-01T10:00:00Z", "REGISTRY_PASSWORD 2026-05-01T10:00:00Z", "ROLLBACK_DISPATCH_TOKEN 2026-05-01T10:00:00Z", "DOCKER_SSH_PRIVATE_KEY 2026-05-01T10:00:00Z", "DOCKER_SSH_KNOWN_HOSTS 2026-05-01T10:00:00Z", "SENTRY_AUTH_TOKEN 2026-05-01T10:00:00Z", "AWS_ACCESS_KEY_ID 2026-05-01T10:00:00Z", "AWS_SECRET_ACCESS_KEY 2026-05-01T10:00:00Z"])} ;;
  *"environments/production/secrets"*) ${listing(["DATABASE_URL 2026-05-20T10:00:00Z", "SESSION_SECRET 2025-11-13T10:00:00Z"])} ;;
  *"environments/"*) ${listing(["DATABASE_URL 2026-05-20T10:00:00Z", "SESSION_SECRET 2026-05-20T10:00:00Z", "SENTRY_DSN 2026-05-20T10:00:00Z"])} ;;
esac
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(bin, "date"),
      '#!/usr/bin/env bash\nif [ "$*" = "-u +%s" ]; then echo 1780308000; else exec /usr/bin/date "$@"; fi\n',
      { mode: 0o755 },
    );

    // WHEN
    const result = runScript(step.run, {
      pathPrepend: bin,
      env: { ...step.env, GH_TOKEN: "token", REPOSITORY: "wtfb/wtfb-app" },
    });

    // THEN
    expect(result.status).toBe(1);
    expect(result.summary).toContain("| production | `SESSION_SECRET` | 2025-11-13 | 200 | **stale: rotate it** |");
    expect(result.summary).toContain("| production | `SENTRY_DSN` | — | — | **missing: declared in the config** |");
    expect(result.summary).toContain("| staging | `SENTRY_DSN` | 2026-05-20 | 12 | ok |");
    expect(result.summary).toContain("| repository | `DEPLOY_TOKEN` | 2026-05-01 | 31 | ok |");
    expect(result.summary).toContain("**2 problem(s) found.**");
    expect(result.stdout).toContain("::warning::production secret SESSION_SECRET is 200 days old");
    expect(result.stdout).toContain("::error::SENTRY_DSN is declared for production but not set");
    expect(result.stdout).not.toContain("declared for staging");
    expect(result.stdout).not.toContain("read by deploy-");
  });
});
