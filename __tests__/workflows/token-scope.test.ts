import { Testing } from "cdktf";
import type { PipelineConfig } from "../../config/types";
import { backendCredentialEnv, PIPELINE_SECRETS } from "../../constructs/workflows/pipeline-secrets";
import { SECRET_VALUE_PLACEHOLDER } from "../../constructs/workflows/plan-review-workflows";
import { addPipelineStacks } from "../../stacks/pipeline";
import { shippedConfig } from "../helpers";
import { variantConfig } from "./support/configs";
import { generatedWorkflows } from "./support/workflows";

type Access = "read" | "write";
type Permissions = Readonly<Record<string, Access>>;

/**
 * What each GitHub token may do: the "Needs" column of docs/workflows.md, "Secrets and tokens" (fine-grained
 * repository permissions; `members` is the organization's). Keep the two in step.
 */
const TOKEN_PERMISSIONS: Readonly<Record<string, Permissions>> = {
  [PIPELINE_SECRETS.deployToken]: {
    environments: "write",
    administration: "read",
    actions: "read",
    secrets: "read",
    metadata: "read",
  },
  [PIPELINE_SECRETS.adminToken]: {
    administration: "write",
    environments: "write",
    secrets: "write",
    variables: "write",
    contents: "write",
    workflows: "write",
    actions: "read",
    members: "read",
    metadata: "read",
  },
};

/**
 * What the GitHub provider needs to create, update, delete (resources) or read (data sources) each type, from the
 * REST endpoints it calls and GitHub's "permissions required for fine-grained tokens" of those endpoints. A type
 * missing here fails the test: add it with what its endpoints need.
 */
const TYPE_PERMISSIONS: Readonly<Record<string, Permissions>> = {
  github_repository_environment: { administration: "write" },
  github_repository_environment_deployment_policy: { administration: "write" },
  github_actions_environment_secret: { secrets: "write", environments: "write" },
  github_actions_environment_variable: { environments: "write" },
  github_repository_ruleset: { administration: "write" },
  github_repository_file: { contents: "write", workflows: "write" },
  "data.github_user": { metadata: "read" },
  "data.github_team": { members: "read" },
  "data.github_repository_environments": { actions: "read" },
  "data.github_actions_environment_secrets": { secrets: "read", environments: "read" },
};

const configs: ReadonlyArray<readonly [string, () => PipelineConfig]> = [
  ["shipped config", () => shippedConfig()],
  ["variant config", () => variantConfig()],
];

/** The GitHub provider's resource and data-source types in a synthesized stack (data sources as `data.<type>`). */
function githubTypes(stack: any): string[] {
  const resources = Object.keys(stack.resource ?? {});
  const data = Object.keys(stack.data ?? {}).map((type) => `data.${type}`);
  return [...resources, ...data].filter((type) => type.replace(/^data\./, "").startsWith("github_")).sort();
}

/** Whether a token's permissions cover what a type needs (write covers read). */
function missing(token: Permissions, needs: Permissions): string[] {
  return Object.entries(needs)
    .filter(([permission, access]) => !(token[permission] === "write" || token[permission] === access))
    .map(([permission, access]) => `${permission}: ${access}`);
}

describe.each(configs)("each applying job's GitHub token covers the stack it applies (%s)", (_, makeConfig) => {
  const config = makeConfig();
  const app = Testing.app();
  const stacks = addPipelineStacks(app, config);
  const synthesized = Object.fromEntries(
    [...stacks.environments, stacks.repository].map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack))]),
  );

  /** Every step that applies a stack (it sets Terraform's apply arguments): workflow/job, the stack, the token's secret. */
  const applies: { job: string; stack: string; token: string }[] = [];
  for (const [file, workflow] of Object.entries(generatedWorkflows(config))) {
    for (const [id, job] of Object.entries<any>(workflow.parsed.jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.env?.TF_CLI_ARGS_apply) continue;
        const stack = file === "repository.yml" ? "repository" : (job.environment?.name ?? job.environment);
        const token = /^\$\{\{ secrets\.([A-Z_]+) \}\}$/.exec(step.env.GITHUB_TOKEN ?? "")?.[1] ?? "(none)";
        applies.push({ job: `${file}/${id}`, stack, token });
      }
    }
  }

  test("deploys and rollbacks apply their environment's stack with DEPLOY_TOKEN; only repository.yml holds the admin token", () => {
    const environments = Object.keys(config.environments);
    for (const apply of applies) {
      expect(apply).toEqual({
        job: apply.job,
        stack: apply.stack,
        token: apply.stack === "repository" ? PIPELINE_SECRETS.adminToken : PIPELINE_SECRETS.deployToken,
      });
      expect([...environments, "repository"]).toContain(apply.stack);
    }
    // Every environment is applied by a deploy job and by a rollback job.
    for (const environment of environments)
      expect(applies.filter((apply) => apply.stack === environment).length).toBeGreaterThanOrEqual(2);
  });

  test("the token of every applying job has each permission the GitHub types of its stack need", () => {
    const gaps: string[] = [];
    for (const apply of applies) {
      const token = TOKEN_PERMISSIONS[apply.token];
      expect({ token: apply.token, documented: token !== undefined }).toEqual({ token: apply.token, documented: true });
      for (const type of githubTypes(synthesized[apply.stack])) {
        const needs = TYPE_PERMISSIONS[type];
        if (!needs)
          throw new Error(`${type} (stack ${apply.stack}) has no row in TYPE_PERMISSIONS: add what its endpoints need`);
        const lacking = missing(token, needs);
        if (lacking.length > 0)
          gaps.push(
            `${apply.job} applies ${apply.stack} with ${apply.token}, whose ${type} needs ${lacking.join(", ")}`,
          );
      }
    }
    expect(gaps).toEqual([]);
  });

  test("the permission table is not vacuous: the deploy token lacks what the repository stack needs", () => {
    const lacking = githubTypes(synthesized.repository).filter(
      (type) => missing(TOKEN_PERMISSIONS[PIPELINE_SECRETS.deployToken], TYPE_PERMISSIONS[type] ?? {}).length > 0,
    );
    expect(lacking).toEqual(
      expect.arrayContaining([
        "github_actions_environment_secret",
        "github_repository_environment",
        "github_repository_environment_deployment_policy",
      ]),
    );
  });
});

describe("the repository stack's inputs (variant config: its state is remote, so repository.yml and the diff exist)", () => {
  const config = variantConfig();
  const app = Testing.app();
  const repository = JSON.parse(Testing.synth(addPipelineStacks(app, config).repository));
  const required = Object.entries<any>(repository.variable ?? {})
    .filter(([, variable]) => variable.default === undefined)
    .map(([name]) => `TF_VAR_${name}`)
    .sort();
  const workflows = generatedWorkflows(config);
  const stepEnv = (file: string, predicate: (step: any) => boolean): Record<string, string> => {
    const steps = Object.values<any>(workflows[file].parsed.jobs).flatMap((job) => job.steps ?? []);
    const step = steps.find(predicate);
    if (!step) throw new Error(`no such step in ${file}`);
    return step.env;
  };

  test("its apply gets every required variable from a secret of the repository environment, one per environment and Terraform-managed secret", () => {
    const managed = Object.entries(config.environments).flatMap(([name, profile]) =>
      profile.secrets.filter((secret) => secret.managedBy !== "external").map((secret) => [name, secret.name]),
    );
    expect(managed.length).toBeGreaterThan(0);
    expect(required).toEqual(
      managed.map(([environment, secret]) => `TF_VAR_${environment}_secret_${secret.toLowerCase()}`).sort(),
    );
    const env = stepEnv("repository.yml", (step) => step.env?.TF_CLI_ARGS_apply !== undefined);
    for (const [environment, secret] of managed) {
      expect(env[`TF_VAR_${environment}_secret_${secret.toLowerCase()}`]).toBe(
        `\${{ secrets.${environment.toUpperCase()}_${secret} }}`,
      );
    }
  });

  test("the pull request's diff supplies each as a placeholder, never a secret", () => {
    const env = stepEnv("plan-review.yml", (step) => step.env?.STACK === "repository");
    for (const name of required) expect({ name, value: env[name] }).toEqual({ name, value: SECRET_VALUE_PLACEHOLDER });
    // The only secrets it reads: its read-only token and the state backend's credentials.
    const referenced = Object.values(env).flatMap((value) =>
      [...String(value).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]),
    );
    const backend = Object.values(backendCredentialEnv(config.repository.backend!)).map(
      (value) => /secrets\.([A-Za-z_0-9]+)/.exec(value)![1],
    );
    expect(referenced.sort()).toEqual([PIPELINE_SECRETS.planReviewToken, ...backend].sort());
  });
});
