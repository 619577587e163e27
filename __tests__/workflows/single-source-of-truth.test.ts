import { Testing } from "cdktf";
import { parse } from "yaml";
import type { PipelineConfig } from "../../config/types";
import { addPipelineStacks } from "../../stacks/pipeline";
import { dataSourcesOf, resourcesOf, shippedConfig } from "../helpers";
import { generatedWorkflows } from "./support/workflows";

/** Stack name → synthesized JSON, and workflow file → YAML, from one config. */
function pipeline(config: PipelineConfig) {
  const app = Testing.app();
  const stacks = addPipelineStacks(app, config);
  const synthesized = Object.fromEntries(
    [...stacks.environments, stacks.repository].map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack))]),
  );
  const workflows = Object.fromEntries(
    Object.entries(generatedWorkflows(config)).map(([name, workflow]) => [name, workflow.yaml]),
  );
  return { synthesized, workflows };
}

/** `${github_repository_environment.<id>.environment}` → that environment's name. */
const environmentOf = (stack: any, reference: string) =>
  stack.resource.github_repository_environment[
    /^\$\{github_repository_environment\.([^.}]+)\.environment\}$/.exec(reference)![1]
  ].environment;

/** The deployment policies of one environment, which the repository stack holds. */
const branchPolicies = (stack: any, environment: string) =>
  Object.values(resourcesOf(stack, "github_repository_environment_deployment_policy"))
    .filter((policy) => environmentOf(stack, policy.environment) === environment)
    .map((policy) => policy.branch_pattern ?? `tag ${policy.tag_pattern}`)
    .sort();

describe("one source of truth: the config drives workflows and environments together", () => {
  const before = pipeline(shippedConfig());

  test("changing staging's branches changes its deploy trigger and its environment's branch policy, and nothing else", () => {
    // WHEN
    const after = pipeline(shippedConfig((raw) => (raw.environments.staging.branches = ["qa/*"])));
    const trigger = (workflows: Record<string, string>) => pushTrigger(workflows["deploy-staging.yml"]);

    // THEN
    expect(trigger(before.workflows)).toEqual({ branches: ["staging", "release/*"] });
    expect(trigger(after.workflows)).toEqual({ branches: ["qa/*"] });
    expect(branchPolicies(after.synthesized.repository, "staging")).toEqual(["hotfix/*", "main", "qa/*"]);
    const changed = Object.keys(after.workflows).filter((name) => after.workflows[name] !== before.workflows[name]);
    expect(changed).toEqual(["deploy-staging.yml"]);
  });

  test("changing the hotfix branches changes the hotfix trigger and the staging and production branch policies", () => {
    const after = pipeline(shippedConfig((raw) => (raw.repository.hotfixBranches = "urgent/*")));
    expect(pushTrigger(after.workflows["hotfix.yml"])).toEqual({ branches: ["urgent/*"] });
    expect(branchPolicies(after.synthesized.repository, "staging")).toContain("urgent/*");
    expect(branchPolicies(after.synthesized.repository, "production")).toContain("urgent/*");
  });

  test("changing production's reviewers changes its environment, while the workflows, which only name the environment, stay as they are", () => {
    // WHEN
    const after = pipeline(
      shippedConfig((raw) => (raw.environments.production.reviewers = { users: ["release-captain"] })),
    );

    // THEN
    // production's own users, then those of repository and release, which take production's reviewers.
    expect(
      Object.values(dataSourcesOf(after.synthesized.repository, "github_user")).map((user) => user.username),
    ).toEqual(["release-captain", "release-captain", "release-captain"]);
    expect(after.workflows).toEqual(before.workflows);
    expect(after.synthesized.production).toEqual(before.synthesized.production);
  });

  test("the environment's URL and monitoring window reach its deploy workflow from the same profile the stack uses", () => {
    const after = pipeline(
      shippedConfig((raw) => {
        raw.environments.staging.settings.PUBLIC_URL = "https://qa.wtfb.example";
        raw.environments.staging.monitoring.monitoringWindowMinutes = 30;
      }),
    );
    expect(after.workflows["deploy-staging.yml"]).toContain("url: https://qa.wtfb.example");
    expect(after.workflows["deploy-staging.yml"]).toContain("verify --minutes 30");
    const variables = Object.values(
      resourcesOf(after.synthesized.repository, "github_actions_environment_variable"),
    ).find(
      (variable) =>
        variable.variable_name === "PUBLIC_URL" &&
        environmentOf(after.synthesized.repository, variable.environment) === "staging",
    );
    expect(variables.value).toBe("https://qa.wtfb.example");
  });
});

/** The push trigger of a workflow. */
function pushTrigger(yaml: string): unknown {
  return parse(yaml).on.push;
}
