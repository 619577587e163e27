import { ADMIN_ENVIRONMENT, PIPELINE_SECRETS } from "../../constructs/workflows/pipeline-secrets";
import { TERRAFORM_VERSION } from "../../constructs/workflows/steps";
import { shippedConfig } from "../helpers";
import { variantConfig } from "./support/configs";
import { allSteps, generatedWorkflows, stepById } from "./support/workflows";

const configs = [
  ["shipped config", shippedConfig],
  ["variant config", variantConfig],
] as const;

/** Names of the secrets a job reads, wherever in the job (env, with, secrets passed to a called workflow, conditions). */
function secretsOf(job: unknown): string[] {
  return [...new Set([...JSON.stringify(job).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]))];
}

describe.each(configs)("tokens and cancellation (%s)", (_, config) => {
  const resolved = config();
  const defaultBranch = resolved.repository.defaultBranch;
  const workflows = Object.entries(generatedWorkflows(resolved));

  test("the admin token is only in jobs of the admin environment, run only for the reviewed default branch", () => {
    const holders: string[] = [];
    for (const [file, workflow] of workflows) {
      for (const [id, job] of Object.entries<any>(workflow.parsed.jobs)) {
        if (!secretsOf(job).includes(PIPELINE_SECRETS.adminToken)) continue;
        holders.push(`${file}/${id}`);
        // Its secret lives in an environment only the default branch reaches.
        expect({ job: `${file}/${id}`, environment: job.environment?.name ?? job.environment }).toEqual({
          job: `${file}/${id}`,
          environment: ADMIN_ENVIRONMENT,
        });
        // Nothing unreviewed starts it: pushes to the default branch, dispatches (stopped by the job's ref check) and schedules only.
        const on = workflow.parsed.on;
        expect(
          Object.keys(on).filter((trigger) => !["push", "workflow_dispatch", "schedule"].includes(trigger)),
        ).toEqual([]);
        if (on.push) expect(on.push).toMatchObject({ branches: [defaultBranch] });
        expect(on.push?.tags).toBeUndefined();
        expect(job.if).toBe(`\${{ github.ref == 'refs/heads/${defaultBranch}' }}`);
      }
    }
    // Where the repository stack keeps remote state, its apply is the one holder; otherwise an admin applies it by hand.
    expect(holders).toEqual(
      resolved.repository.backend && resolved.repository.backend.type !== "local" ? ["repository.yml/apply"] : [],
    );
  });

  test("jobs that run for unreviewed code (pull requests, feature branches) hold no token that writes", () => {
    const writeTokens: string[] = [PIPELINE_SECRETS.adminToken, PIPELINE_SECRETS.releaseToken];
    for (const [file, workflow] of workflows) {
      const on = workflow.parsed.on;
      const unreviewed =
        on.pull_request !== undefined || (on.push?.branches ?? []).some((branch: string) => branch !== defaultBranch);
      if (!unreviewed) continue;
      for (const [id, job] of Object.entries<any>(workflow.parsed.jobs)) {
        expect({ job: `${file}/${id}`, tokens: secretsOf(job).filter((name) => writeTokens.includes(name)) }).toEqual({
          job: `${file}/${id}`,
          tokens: [],
        });
      }
    }
    // The development deploy, which feature branches start, gets its environment's deploy token and nothing more.
    const development = Object.fromEntries(workflows)["deploy-development.yml"].parsed;
    expect(development.on.push.branches).toEqual(expect.arrayContaining(["feature/*"]));
    expect(secretsOf(development.jobs.deploy)).toContain(PIPELINE_SECRETS.deployToken);
  });

  test("every Terraform is the pinned exact version", () => {
    expect(TERRAFORM_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    let count = 0;
    for (const [file, workflow] of workflows) {
      for (const { job, step } of allSteps(workflow.parsed)) {
        if (!String(step.uses ?? "").startsWith("hashicorp/setup-terraform@")) continue;
        count++;
        expect({ at: `${file}/${job}`, version: step.with?.terraform_version }).toEqual({
          at: `${file}/${job}`,
          version: TERRAFORM_VERSION,
        });
      }
    }
    expect(count).toBeGreaterThanOrEqual(4);
  });

  test("every apply of an environment stack gets the Grafana token of that environment's own organization", () => {
    let count = 0;
    for (const [file, workflow] of workflows) {
      for (const [id, job] of Object.entries<any>(workflow.parsed.jobs)) {
        for (const step of job.steps ?? []) {
          if (!/node "\$WTFB_CLI" (apply|raise-canary)/.test(step.run ?? "")) continue;
          count++;
          // An environment secret: the job runs in that environment, so GRAFANA_AUTH is that environment's.
          expect({
            at: `${file}/${id}/${step.id}`,
            token: step.env?.TF_VAR_grafana_auth,
            environment: typeof job.environment?.name,
          }).toEqual({ at: `${file}/${id}/${step.id}`, token: "${{ secrets.GRAFANA_AUTH }}", environment: "string" });
          expect(step.env.GRAFANA_AUTH).toBeUndefined();
        }
      }
    }
    expect(count).toBeGreaterThanOrEqual(6);
  });

  test("applies are never cancelled midway, and a failed, cancelled or timed-out deployment still rolls back", () => {
    for (const environment of ["development", "staging", "production"]) {
      const deploy = Object.fromEntries(workflows)[`deploy-${environment}.yml`].parsed.jobs.deploy;
      expect(deploy.concurrency["cancel-in-progress"]).toBe(false);
      // `failure()` alone is skipped when the run is cancelled, and a job timeout counts as a cancel.
      expect(stepById(deploy, "rollback").if).toContain("cancelled()");
      expect(stepById(deploy, "verify-rollback").if).toContain("cancelled()");
      // Every long step times out on its own, so a hung step fails and rolls back well before the job is cancelled.
      const long = deploy.steps.filter((step: any) =>
        ["deploy", "switch", "canary", "promote", "verify", "rollback", "verify-rollback"].includes(step.id),
      );
      for (const step of long)
        expect({ step: step.id, timeout: typeof step["timeout-minutes"] }).toEqual({
          step: step.id,
          timeout: "number",
        });
      const budget = long.reduce((sum: number, step: any) => sum + step["timeout-minutes"], 0);
      expect(deploy["timeout-minutes"]).toBeGreaterThan(budget);
    }
  });
});
