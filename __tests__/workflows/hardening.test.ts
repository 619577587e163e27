import { ACTIONS } from "../../constructs/workflows/actions";
import { GENERATED_HEADER } from "../../constructs/workflows/render";
import { shippedConfig } from "../helpers";
import { variantConfig } from "./support/configs";
import { allSteps, generatedWorkflows } from "./support/workflows";

const configs = [
  ["shipped config", shippedConfig],
  ["variant config", variantConfig],
] as const;

/** GitHub's security hardening guide, checked on every generated workflow. */
describe.each(configs)("hardening (%s)", (_, config) => {
  const workflows = Object.entries(generatedWorkflows(config()));

  test("every file starts with the generated-file header", () => {
    for (const [, workflow] of workflows) expect(workflow.yaml.split("\n")[0]).toBe(`#${GENERATED_HEADER}`);
  });

  test("every action is pinned to a full commit SHA from the pinned table, with its version beside it", () => {
    const pinned = new Map<string, string>(
      Object.values(ACTIONS).map((action) => [`${action.repository}@${action.sha}`, action.version]),
    );
    let count = 0;
    for (const [, workflow] of workflows) {
      for (const { step } of allSteps(workflow.parsed)) {
        if (step.uses === undefined) continue;
        count++;
        expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
        expect(pinned.has(step.uses)).toBe(true);
      }
      // The version comment sits on the same line as the SHA.
      const usesLines = workflow.yaml.split("\n").filter((line) => /^\s+uses: [\w.-]+\/[\w.-]+@/.test(line));
      for (const line of usesLines) {
        const [, reference, version] = /uses: (\S+) # (\S+)$/.exec(line) ?? [];
        expect(pinned.get(reference)).toBe(version);
      }
    }
    expect(count).toBeGreaterThan(20);
  });

  test("workflow-level permissions are empty; every job declares its own, read or write per scope only", () => {
    for (const [name, workflow] of workflows) {
      expect({ name, permissions: workflow.parsed.permissions }).toEqual({ name, permissions: {} });
      for (const [jobId, job] of Object.entries<any>(workflow.parsed.jobs)) {
        expect({ job: `${name}/${jobId}`, type: typeof job.permissions }).toEqual({
          job: `${name}/${jobId}`,
          type: "object",
        });
        for (const level of Object.values(job.permissions)) expect(["read", "write", "none"]).toContain(level);
      }
    }
  });

  test("only the jobs that must write get write access, and only to what they write", () => {
    const writers: Record<string, Record<string, string>> = {};
    for (const [name, workflow] of workflows) {
      for (const [jobId, job] of Object.entries<any>(workflow.parsed.jobs)) {
        const writes = Object.entries<string>(job.permissions).filter(([, level]) => level === "write");
        if (writes.length > 0) writers[`${name}/${jobId}`] = Object.fromEntries(writes);
      }
    }
    expect(writers).toEqual({
      "deploy-development.yml/deploy": { deployments: "write" },
      "deploy-staging.yml/deploy": { deployments: "write" },
      "deploy-production.yml/deploy": { deployments: "write" },
      "hotfix.yml/deploy-staging": { deployments: "write" },
      "hotfix.yml/deploy-production": { deployments: "write" },
      "hotfix.yml/record-hotfix": { contents: "write" },
      "plan-review-comment.yml/comment": { "pull-requests": "write" },
      "release.yml/release": { contents: "write" },
      "rollback.yml/rollback-development": { deployments: "write" },
      "rollback.yml/rollback-staging": { deployments: "write" },
      "rollback.yml/rollback-production": { deployments: "write" },
    });
  });

  test("every job that runs on a runner has a timeout", () => {
    for (const [name, workflow] of workflows) {
      for (const [jobId, job] of Object.entries<any>(workflow.parsed.jobs)) {
        if (job.uses) continue;
        expect({ job: `${name}/${jobId}`, timeout: job["timeout-minutes"] > 0 }).toEqual({
          job: `${name}/${jobId}`,
          timeout: true,
        });
      }
    }
  });

  test("no expression is interpolated into a script: values reach scripts through env only", () => {
    const scripts = workflows.flatMap(([, workflow]) =>
      allSteps(workflow.parsed).filter(({ step }) => step.run !== undefined),
    );
    expect(scripts.length).toBeGreaterThan(40);
    for (const { job, step } of scripts)
      expect({ job, step: step.name, interpolates: step.run.includes("${{") }).toEqual({
        job,
        step: step.name,
        interpolates: false,
      });
  });

  test("secrets are read only through the secrets context, and never in a script", () => {
    for (const [, workflow] of workflows) {
      for (const { step } of allSteps(workflow.parsed)) {
        for (const value of Object.values<string>(step.env ?? {})) {
          if (String(value).includes("secrets."))
            expect(value).toMatch(/^\$\{\{ (secrets\.[A-Z0-9_]+|secrets\.[A-Z0-9_]+ != '') \}\}$/);
        }
        expect(step.run ?? "").not.toMatch(/secrets\./);
      }
    }
  });

  test("no workflow runs pull request code with a privileged trigger", () => {
    for (const [, workflow] of workflows) {
      expect(Object.keys(workflow.parsed.on)).not.toContain("pull_request_target");
      expect(workflow.yaml).not.toContain("pull_request_target");
    }
  });

  test("checkouts leave no token behind, except the release's, which pushes the tag", () => {
    const checkouts: string[] = [];
    for (const [name, workflow] of workflows) {
      for (const { job, step } of allSteps(workflow.parsed)) {
        if (!String(step.uses ?? "").startsWith("actions/checkout@")) continue;
        checkouts.push(name);
        expect({ at: `${name}/${job}`, persist: step.with["persist-credentials"] }).toEqual({
          at: `${name}/${job}`,
          persist: name === "release.yml",
        });
      }
    }
    expect(checkouts).toContain("release.yml");
    expect(checkouts.length).toBeGreaterThan(1);
  });
});
