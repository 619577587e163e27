import { App, TerraformStack, Testing } from "cdktf";
import { Artifacts } from "../../constructs/artifacts";
import { ENVIRONMENT_NAMES } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { addPipelineStacks } from "../../stacks/pipeline";
import { resourcesOf, shippedConfig, temporaryDirectory } from "../helpers";

/** Synthesizes the whole app for a config; stack name → parsed cdk.tf.json. */
function synthesizeAll(config: PipelineConfig): Record<string, any> {
  const app = Testing.app();
  const stacks = addPipelineStacks(app, config);
  return Object.fromEntries(
    [...stacks.environments, stacks.repository].map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack))]),
  );
}

const shipped = synthesizeAll(shippedConfig());

/** Where a resource's remote object lives: the configured location of the provider instance it uses. */
function providerLocation(stack: any, type: string, resource: any): unknown {
  const providerName = type.split("_")[0];
  if (providerName === "terraform") return stackLocation(stack);
  const alias = typeof resource.provider === "string" ? resource.provider.split(".")[1] : undefined;
  const configs: any[] = stack.provider?.[providerName] ?? [];
  const config = configs.find((candidate) => candidate.alias === alias) ?? configs[0] ?? {};
  return config.host ?? config.url ?? config.owner ?? null;
}

/** Stack-local objects (terraform_data) live in the stack's own state. */
function stackLocation(stack: any): string {
  return JSON.stringify(stack.terraform?.backend ?? {});
}

/** `${type.name.attribute}` → that attribute's value in the same stack, so identities compare real names. */
function resolveReference(stack: any, value: unknown): unknown {
  const match = typeof value === "string" ? /^\$\{([a-z_]+)\.([^.}]+)\.([a-z_]+)\}$/.exec(value) : null;
  const target = match ? stack.resource?.[match[1]]?.[match[2]] : undefined;
  return target ? resolveReference(stack, target[match![3]]) : value;
}

/** The deployment policies of one environment in a stack: branch patterns, and tag patterns as `tag <pattern>`. */
function policiesOf(stack: any, environment: string): string[] {
  return Object.values(resourcesOf(stack, "github_repository_environment_deployment_policy"))
    .filter((policy) => resolveReference(stack, policy.environment) === environment)
    .map((policy) => policy.branch_pattern ?? `tag ${policy.tag_pattern}`);
}

/** The reviewers of one GitHub environment in a stack, by the usernames and team slugs their ids are read from. */
function reviewersOf(stack: any, environment: string): { users: string[]; teams: string[] } | undefined {
  const resource = Object.values(resourcesOf(stack, "github_repository_environment")).find(
    (e) => e.environment === environment,
  );
  if (!resource) throw new Error(`no GitHub environment ${environment} in the stack`);
  const lookup = (type: string, key: string) => (reference: string) => {
    const match = new RegExp(`^\\$\\{data\\.${type}\\.([^.}]+)\\.id\\}$`).exec(reference);
    if (!match) throw new Error(`reviewer ${reference} is not a ${type} data source's id`);
    return stack.data[type][match[1]][key];
  };
  const reviewers = resource.reviewers?.[0];
  return (
    reviewers && {
      users: reviewers.users.map(lookup("github_user", "username")),
      teams: reviewers.teams.map(lookup("github_team", "slug")),
    }
  );
}

describe("the pipeline's stacks", () => {
  test("one stack per environment, named exactly development, staging and production, plus the repository stack", () => {
    expect(Object.keys(shipped)).toEqual(["development", "staging", "production", "repository"]);
  });

  test("production: environment with reviewers, self-review prevented, no admin bypass, policies for main, v* and hotfix/*", () => {
    const repository = shipped.repository;
    const environments = Object.values(resourcesOf(repository, "github_repository_environment")).filter(
      (e) => e.environment === "production",
    );
    expect(environments).toHaveLength(1);
    expect(environments[0]).toMatchObject({
      environment: "production",
      prevent_self_review: true,
      can_admins_bypass: false,
    });
    expect(
      environments[0].reviewers[0].users.length + environments[0].reviewers[0].teams.length,
    ).toBeGreaterThanOrEqual(1);
    expect(policiesOf(repository, "production").sort()).toEqual(["hotfix/*", "main", "tag v*"]);
  });

  test("every environment secret's value is a reference to a sensitive variable, never a literal", () => {
    const stack = shipped.repository;
    const secrets = Object.values(resourcesOf(stack, "github_actions_environment_secret"));
    for (const name of ENVIRONMENT_NAMES)
      expect(secrets.filter((secret) => resolveReference(stack, secret.environment) === name).length).toBeGreaterThan(
        0,
      );
    for (const secret of secrets) {
      const match = /^\$\{var\.([a-z0-9_]+)\}$/.exec(secret.plaintext_value);
      expect(match).not.toBeNull();
      expect(stack.variable[match![1]]).toMatchObject({ sensitive: true });
      expect(secret.encrypted_value).toBeUndefined();
    }
  });

  test("a reviewer or branch change in the config reaches the repository stack's environments, and no deploy", () => {
    const changed = synthesizeAll(
      shippedConfig((raw) => {
        raw.environments.production.reviewers = { users: ["release-captain"] };
        raw.environments.staging.branches = ["qa/*"];
      }),
    );
    expect(reviewersOf(changed.repository, "production")).toEqual({ users: ["release-captain"], teams: [] });
    expect(policiesOf(changed.repository, "staging").sort()).toEqual(["hotfix/*", "main", "qa/*"]);
    expect(policiesOf(changed.repository, "development")).toEqual(policiesOf(shipped.repository, "development"));
    expect(changed.development).toEqual(shipped.development);
    expect(changed.production).toEqual(shipped.production);
  });

  test("each Terraform object has exactly one owning stack", () => {
    // A remote object's identity: where it lives (the provider's host, owner or Grafana URL) and what names it there.
    const identityKeys = [
      "repository",
      "environment",
      "secret_name",
      "variable_name",
      "file",
      "branch_pattern",
      "tag_pattern",
      "name",
      "title",
      "uid",
      "org_id",
    ];
    const owners = new Map<string, string>();
    for (const [stackName, stack] of Object.entries(shipped)) {
      for (const [type, resources] of Object.entries<Record<string, any>>(stack.resource ?? {})) {
        for (const resource of Object.values(resources)) {
          const dashboardUid = resource.config_json ? JSON.parse(resource.config_json).uid : null;
          const names = identityKeys.map((key) => resolveReference(stack, resource[key]) ?? null);
          const identity = JSON.stringify([type, providerLocation(stack, type, resource), ...names, dashboardUid]);
          const owner = owners.get(identity);
          if (owner !== undefined && owner !== stackName)
            throw new Error(`${identity} is managed by both ${owner} and ${stackName}`);
          owners.set(identity, stackName);
        }
      }
    }
    expect(owners.size).toBeGreaterThan(50);
  });

  test("the repository stack lets repository admins bypass the default-branch ruleset by default, or the configured GitHub App", () => {
    const defaultBranch = (stack: any) =>
      Object.values(resourcesOf(stack, "github_repository_ruleset")).find((ruleset) => ruleset.target === "branch");
    expect(defaultBranch(shipped.repository).bypass_actors).toEqual([
      { actor_type: "RepositoryRole", actor_id: 5, bypass_mode: "always" },
    ]);
    const withApp = synthesizeAll(
      shippedConfig((raw) => (raw.repository.rulesetBypass = { type: "github-app", appId: 98765 })),
    );
    expect(defaultBranch(withApp.repository).bypass_actors).toEqual([
      { actor_type: "Integration", actor_id: 98765, bypass_mode: "always" },
    ]);
  });

  test("state: local state lives beside the project, written relative to the stack directory; production uses its S3 backend", () => {
    expect(shipped.development.terraform.backend.local.path).toBe("../../../terraform.development.tfstate");
    expect(shipped.production.terraform.backend.s3).toMatchObject({
      bucket: "wtfb-terraform-state",
      key: "wtfb-deploy/production.tfstate",
      encrypt: true,
    });
  });

  test.each([...ENVIRONMENT_NAMES, "repository"])("%s stack matches its snapshot", (name) => {
    expect(shipped[name]).toMatchSnapshot();
  });
});

describe("GitHub administration lives in the repository stack only (issue 22)", () => {
  test("no environment stack holds a GitHub environment, its deployment policies, or anything that writes to GitHub", () => {
    for (const name of ENVIRONMENT_NAMES) {
      const stack = shipped[name];
      for (const type of [
        "github_repository_environment",
        "github_repository_environment_deployment_policy",
        "github_actions_environment_secret",
        "github_actions_environment_variable",
      ]) {
        expect({ stack: name, type, resources: resourcesOf(stack, type) }).toEqual({
          stack: name,
          type,
          resources: {},
        });
      }
      // The GitHub provider only reads there (the external-secret check): no managed github_* resource at all.
      expect({
        stack: name,
        github: Object.keys(stack.resource ?? {}).filter((type) => type.startsWith("github_")),
      }).toEqual({ stack: name, github: [] });
    }
  });

  test("the repository stack declares every environment, repository and release included, with the config's reviewers", () => {
    const config = shippedConfig();
    const repository = shipped.repository;
    const environments = Object.values(resourcesOf(repository, "github_repository_environment")).map(
      (e) => e.environment,
    );
    expect(environments.sort()).toEqual(["development", "production", "release", "repository", "staging"]);
    for (const name of ENVIRONMENT_NAMES) {
      const { users, teams } = config.environments[name].reviewers;
      expect({ environment: name, reviewers: reviewersOf(repository, name) }).toEqual({
        environment: name,
        reviewers: users.length + teams.length > 0 ? { users, teams } : undefined,
      });
      const environment = Object.values(resourcesOf(repository, "github_repository_environment")).find(
        (e) => e.environment === name,
      );
      expect(environment).toMatchObject({
        prevent_self_review: config.environments[name].preventSelfReview,
        wait_timer: config.environments[name].waitTimerMinutes,
      });
    }
    // The environments holding the admin and release tokens: production's reviewers, the default branch only.
    const production = config.environments.production.reviewers;
    expect(production.users.length + production.teams.length).toBeGreaterThan(0);
    for (const name of ["repository", "release"]) {
      expect({ environment: name, reviewers: reviewersOf(repository, name) }).toEqual({
        environment: name,
        reviewers: { users: production.users, teams: production.teams },
      });
      expect({ environment: name, policies: policiesOf(repository, name) }).toEqual({
        environment: name,
        policies: [config.repository.defaultBranch],
      });
    }
  });

  test("an upgraded environment stack forgets, never destroys, what its earlier releases created (their addresses in today's state)", () => {
    // The addresses environment stacks held before the move (the production stack's cdk.tf.json on main at ec3d75b).
    expect(shipped.production.removed).toEqual(
      [
        "github_repository_environment.environment_782F3C0C",
        "github_repository_environment_deployment_policy.environment_branch-policy-main_C08E84CE",
        "github_repository_environment_deployment_policy.environment_branch-policy-hotfix--_D068BFA2",
        "github_repository_environment_deployment_policy.environment_tag-policy-v_E7EB7FE4",
        "github_actions_environment_variable.environment_variable-NODE_ENV_682F5337",
        "github_actions_environment_variable.environment_variable-LOG_LEVEL_2A201D95",
        "github_actions_environment_variable.environment_variable-PUBLIC_URL_15131D50",
        "github_actions_environment_secret.secrets_secret-DATABASE_URL_CE2E0991",
        "github_actions_environment_secret.secrets_secret-SESSION_SECRET_9C2643BA",
      ].map((from) => ({ from, lifecycle: { destroy: false } })),
    );
    for (const name of ENVIRONMENT_NAMES)
      expect(shipped[name].removed).toContainEqual({
        from: "github_repository_environment.environment_782F3C0C",
        lifecycle: { destroy: false },
      });
  });
});

describe("Artifacts", () => {
  test("lists its files in code-point order, the same on every machine whatever its locale", () => {
    const app = new App({ outdir: temporaryDirectory("artifacts-order") });
    const stack = new TerraformStack(app, "stack");
    Artifacts.useDirectory(stack, "");
    const artifacts = Artifacts.of(stack);
    for (const file of ["workflows/b.yml", "alerts/a.yml", "runtime/x.y", "alerts/Z.yml", "runtime/x-y"])
      artifacts.add(file, file);
    // A locale-aware sort would put "alerts/a.yml" before "alerts/Z.yml".
    expect(artifacts.entries().map(([file]) => file)).toEqual([
      "alerts/Z.yml",
      "alerts/a.yml",
      "runtime/x-y",
      "runtime/x.y",
      "workflows/b.yml",
    ]);
  });

  test("puts a stack's files in a folder named after the stack unless the stack sets its directory", () => {
    const app = new App({ outdir: temporaryDirectory("artifacts-directory") });
    const own = new TerraformStack(app, "billing-staging");
    const pipeline = new TerraformStack(app, "staging");
    Artifacts.useDirectory(pipeline, "team-b");
    expect(Artifacts.of(own).add("alerts/staging.rules.yml", "a")).toBe("billing-staging/alerts/staging.rules.yml");
    expect(Artifacts.of(pipeline).add("alerts/staging.rules.yml", "b")).toBe("team-b/alerts/staging.rules.yml");
    expect(
      Artifacts.of(app)
        .entries()
        .map(([file]) => file),
    ).toEqual(["billing-staging/alerts/staging.rules.yml", "team-b/alerts/staging.rules.yml"]);
  });

  test.each([
    ["../escape.yml", "must be relative"],
    ["/etc/passwd", "must be relative"],
    ["stacks/x/cdk.tf.json", "would overwrite cdktf's own output"],
    ["manifest.json", "would overwrite cdktf's own output"],
  ])("refuses the path %s", (file, message) => {
    const stack = new TerraformStack(new App({ outdir: temporaryDirectory("artifacts-refused") }), "stack");
    Artifacts.useDirectory(stack, "");
    expect(() => Artifacts.of(stack).add(file, "x")).toThrow(message);
  });

  test("refuses one path registered twice with different content, naming it", () => {
    const stack = new TerraformStack(new App({ outdir: temporaryDirectory("artifacts-twice") }), "stack");
    Artifacts.of(stack).add("a.yml", "one");
    expect(Artifacts.of(stack).add("a.yml", "one")).toBe("stack/a.yml");
    expect(() => Artifacts.of(stack).add("a.yml", "two")).toThrow(
      "artifact stack/a.yml was registered twice with different content",
    );
  });
});
