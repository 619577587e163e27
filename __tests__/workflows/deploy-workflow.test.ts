import { ENVIRONMENT_NAMES } from "../../config/environments";
import { PIPELINE_CLI } from "../../constructs/workflows/deploy-jobs";
import { shippedConfig } from "../helpers";
import { variantConfig } from "./support/configs";
import { generatedWorkflows, stepById, stepIndex } from "./support/workflows";

const shipped = generatedWorkflows(shippedConfig());
const deploy = (environment: string) => shipped[`deploy-${environment}.yml`].parsed;

describe("deploy workflows, one per environment", () => {
  test("triggers come from each environment's profile: continuous from development and staging branches, production on release tags", () => {
    expect(deploy("development").on.push).toEqual({ branches: ["development", "feature/*"] });
    expect(deploy("staging").on.push).toEqual({ branches: ["staging", "release/*"] });
    expect(deploy("production").on.push).toEqual({ tags: ["v*"] });
  });

  test("production is dispatched with a required version and may be an emergency; continuous environments build the ref when no version is given", () => {
    expect(deploy("production").on.workflow_dispatch.inputs.version).toMatchObject({ type: "string", required: true });
    expect(deploy("production").on.workflow_dispatch.inputs.emergency).toMatchObject({
      type: "boolean",
      default: false,
    });
    expect(deploy("development").on.workflow_dispatch.inputs.version.required).toBe(false);
    expect(deploy("development").on.workflow_dispatch.inputs.emergency).toBeUndefined();
    expect(Object.keys(deploy("staging").on.workflow_call.inputs)).toEqual(["version", "versions"]);
  });

  test("the job runs in the GitHub environment of that name, so the environment's reviewers and branch policy apply", () => {
    for (const environment of ENVIRONMENT_NAMES) {
      expect(deploy(environment).jobs.deploy.environment).toEqual({
        name: environment,
        url: shippedConfig().environments[environment].settings.PUBLIC_URL,
      });
    }
  });

  test("one deployment per environment at a time, never cancelled midway (a newer one replaces one still pending)", () => {
    expect(deploy("development").jobs.deploy.concurrency).toEqual({
      group: "deploy-development",
      "cancel-in-progress": false,
    });
    expect(deploy("staging").jobs.deploy.concurrency).toEqual({ group: "deploy-staging", "cancel-in-progress": false });
    expect(deploy("production").jobs.deploy.concurrency).toEqual({
      group: "deploy-production",
      "cancel-in-progress": false,
    });
  });

  test("CI builds what is deployed, unless the caller names the version", () => {
    const workflow = deploy("staging");
    expect(workflow.jobs.build).toMatchObject({
      uses: "./.github/workflows/ci.yml",
      if: "${{ !inputs.version && !inputs.versions }}",
    });
    expect(workflow.jobs.deploy.needs).toEqual(["build"]);
    expect(workflow.jobs.deploy.if).toBe(
      "${{ !cancelled() && (needs.build.result == 'success' || needs.build.result == 'skipped') }}",
    );
    expect(stepById(workflow.jobs.deploy, "versions").env.BUILT_VERSIONS).toBe("${{ needs.build.outputs.versions }}");
  });

  describe.each(ENVIRONMENT_NAMES)("%s: the SOP's deployment steps, in order", (environment) => {
    const job = deploy(environment).jobs.deploy;
    const strategy = shippedConfig().environments[environment].runtime.strategy.type;

    test("announce → back up and migrate while deploying → (switch | canary steps) → smoke tests → watch → known-good → record → announce", () => {
      const order = [
        "announce-start",
        "deploy",
        ...(strategy === "blue-green" ? ["switch"] : strategy === "canary" ? ["canary", "promote"] : []),
        "smoke",
        "verify",
        "known-good",
        "record",
        "announce-end",
      ];
      const indexes = order.map((id) => stepIndex(job, id));
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    });

    test("the deploy step says it backs up the database and applies migrations (inside cdktf deploy, for the application with a database)", () => {
      expect(stepById(job, "deploy").name).toMatch(
        new RegExp(`^Back up the database of web, apply migrations and deploy .* \\(cdktf deploy ${environment}\\)$`),
      );
      expect(stepById(job, "deploy").run).toBe('node "$WTFB_CLI" apply deploy');
    });

    test("the monitoring window comes from the environment's profile", () => {
      const minutes = shippedConfig().environments[environment].monitoring.monitoringWindowMinutes;
      expect(stepById(job, "verify").run).toBe(`node "$WTFB_CLI" verify --minutes ${minutes}`);
      expect(job["timeout-minutes"]).toBeGreaterThan(minutes);
    });

    test("on failure it rolls back to the known-good version and verifies the rollback", () => {
      const rollback = stepById(job, "rollback");
      expect(rollback.if).toBe(
        "${{ (failure() || cancelled()) && steps.deploy.outcome != 'skipped' && steps.known-good.outcome != 'failure' }}",
      );
      expect(rollback.run).toBe('node "$WTFB_CLI" apply rollback');
      expect(stepById(job, "verify-rollback").if).toBe(
        "${{ (failure() || cancelled()) && steps.rollback.outcome == 'success' }}",
      );
      expect(stepIndex(job, "rollback")).toBeGreaterThan(stepIndex(job, "verify"));
    });

    test("the record is always written and its log kept 90 days", () => {
      expect(stepById(job, "record").if).toBe("${{ always() }}");
      const upload = job.steps.find((step: any) => step.with?.name?.startsWith(`deployment-record-${environment}-`));
      expect(upload).toMatchObject({
        if: "${{ always() }}",
        with: { path: "${{ runner.temp }}/deployment-record.json", "retention-days": 90 },
      });
      expect(stepById(job, "announce-end").if).toBe("${{ always() }}");
    });

    test("the CLI runs from the wtfb-deploy directory, after it is installed and built", () => {
      expect(job.env).toMatchObject({ WTFB_ENVIRONMENT: environment, WTFB_CLI: PIPELINE_CLI });
      const install = job.steps.findIndex((step: any) => step.name === "Install and build wtfb-deploy");
      expect(install).toBeGreaterThan(-1);
      expect(install).toBeLessThan(stepIndex(job, "versions"));
      for (const step of job.steps.filter((candidate: any) => String(candidate.run ?? "").includes("$WTFB_CLI")))
        expect(step["working-directory"]).toBe("infra");
    });

    test("secrets reach Terraform as sensitive variables, named as the environment stack declares them", () => {
      const env = stepById(job, "deploy").env;
      for (const secret of shippedConfig().environments[environment].secrets) {
        expect(env[`TF_VAR_secret_${secret.name.toLowerCase()}`]).toBe(`\${{ secrets.${secret.name} }}`);
      }
      expect(env).toMatchObject({
        TF_VAR_registry_username: "${{ secrets.REGISTRY_USERNAME }}",
        TF_VAR_registry_password: "${{ secrets.REGISTRY_PASSWORD }}",
        GITHUB_TOKEN: "${{ secrets.DEPLOY_TOKEN }}",
        TF_VAR_grafana_auth: "${{ secrets.GRAFANA_AUTH }}",
      });
    });
  });

  test("only production checks its deployment window, before anything is announced, and honours an emergency dispatch", () => {
    const job = deploy("production").jobs.deploy;
    expect(stepById(job, "window")).toMatchObject({
      name: "Check the deployment window (tue, wed, thu 07:00–10:00 UTC)",
      run: 'node "$WTFB_CLI" check-window',
      env: { EMERGENCY: "${{ inputs.emergency }}" },
    });
    expect(stepIndex(job, "window")).toBeLessThan(stepIndex(job, "announce-start"));
    expect(() => stepIndex(deploy("staging").jobs.deploy, "window")).toThrow();
    expect(() => stepIndex(deploy("development").jobs.deploy, "window")).toThrow();
  });

  test("production's state backend credentials come from secrets", () => {
    expect(stepById(deploy("production").jobs.deploy, "deploy").env).toMatchObject({
      AWS_ACCESS_KEY_ID: "${{ secrets.AWS_ACCESS_KEY_ID }}",
      AWS_SECRET_ACCESS_KEY: "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
    });
    expect(stepById(deploy("development").jobs.deploy, "deploy").env.AWS_ACCESS_KEY_ID).toBeUndefined();
  });

  test("a Sentry release is created per application, and Sentry being down never rolls a deployment back", () => {
    const sentry = stepById(deploy("production").jobs.deploy, "sentry-web");
    expect(sentry).toMatchObject({
      "continue-on-error": true,
      with: { release: "web@${{ steps.versions.outputs.web }}", environment: "production" },
      env: { SENTRY_AUTH_TOKEN: "${{ secrets.SENTRY_AUTH_TOKEN }}", SENTRY_ORG: "wtfb", SENTRY_PROJECT: "web" },
    });
    expect(generatedWorkflows(variantConfig())["deploy-production.yml"].yaml).not.toContain("getsentry");
  });

  test("the strategy shapes the steps: canary weights and step time from the config, blue-green switch, the variant's runners and tags", () => {
    // GIVEN
    const variant = generatedWorkflows(variantConfig());

    // THEN
    expect(stepById(variant["deploy-development.yml"].parsed.jobs.deploy, "canary").name).toBe(
      "Raise the canary's traffic 10% → 100%, 5 minutes each, while it stays healthy",
    );
    expect(stepById(variant["deploy-production.yml"].parsed.jobs.deploy, "switch").run).toBe(
      'node "$WTFB_CLI" apply switch',
    );
    expect(stepById(variant["deploy-staging.yml"].parsed.jobs.deploy, "deploy").name).toBe(
      "Back up the database of web, apply migrations and deploy the new version replica by replica (cdktf deploy staging)",
    );
    expect(variant["deploy-development.yml"].parsed.jobs.deploy["runs-on"]).toEqual(["self-hosted", "dev-network"]);
    expect(variant["deploy-production.yml"].parsed.on.push).toEqual({ tags: ["release-*"] });
  });

  test("an application that scales down for its migration says so first", () => {
    // GIVEN: rolling everywhere, the only strategy that can scale down
    const config = shippedConfig((raw) => {
      for (const environment of Object.values<any>(raw.environments))
        environment.runtime.strategy = { type: "rolling", replicas: 2 };
      raw.applications[0].database.scaleDownDuringMigration = true;
    });

    // THEN
    expect(stepById(generatedWorkflows(config)["deploy-production.yml"].parsed.jobs.deploy, "deploy").name).toBe(
      "Scale down web, back up the database of web, apply migrations and deploy the new version replica by replica (cdktf deploy production)",
    );
  });

  test("the deploy step names up to three applications with databases and counts more", () => {
    // GIVEN: copies of the shipped application, with databases, under other names and ports
    const withApplications = (count: number) =>
      shippedConfig((raw) => {
        const [template] = raw.applications;
        raw.applications = Array.from({ length: count }, (_, index) => ({
          ...template,
          name: index === 0 ? template.name : `app-${index + 1}`,
          hostPort: 20000 + index,
        }));
      });
    const deployName = (count: number) =>
      stepById(generatedWorkflows(withApplications(count))["deploy-staging.yml"].parsed.jobs.deploy, "deploy").name;

    // THEN
    expect(deployName(3)).toBe(
      "Back up the databases of web, app-2 and app-3, apply migrations and deploy the new version to the idle slot (cdktf deploy staging)",
    );
    expect(deployName(4)).toBe(
      "Back up the databases of 4 applications, apply migrations and deploy the new version to the idle slot (cdktf deploy staging)",
    );
  });

  test("an environment reached over SSH gets a key and checked host keys; others need none", () => {
    const ssh = stepById(deploy("production").jobs.deploy, "ssh");
    expect(ssh.env).toEqual({
      SSH_HOST: "prod.wtfb.internal",
      SSH_PRIVATE_KEY: "${{ secrets.DOCKER_SSH_PRIVATE_KEY }}",
      SSH_KNOWN_HOSTS: "${{ secrets.DOCKER_SSH_KNOWN_HOSTS }}",
    });
    expect(ssh.run).toContain("StrictHostKeyChecking yes");
    expect(() =>
      stepIndex(generatedWorkflows(variantConfig())["deploy-development.yml"].parsed.jobs.deploy, "ssh"),
    ).toThrow();
  });

  test("reusable deploys declare exactly the pipeline secrets they read; the environment's own come from the environment", () => {
    const declared = Object.keys(deploy("production").on.workflow_call.secrets);
    expect(declared).toEqual(expect.arrayContaining(["REGISTRY_USERNAME", "AWS_ACCESS_KEY_ID", "SENTRY_AUTH_TOKEN"]));
    // The environment's own secrets, and the pipeline secrets set per environment, come from the environment.
    for (const name of [
      "DATABASE_URL",
      "DEPLOY_TOKEN",
      "GRAFANA_AUTH",
      "ROLLBACK_DISPATCH_TOKEN",
      "PIPELINE_ADMIN_TOKEN",
    ])
      expect(declared).not.toContain(name);
  });
});
