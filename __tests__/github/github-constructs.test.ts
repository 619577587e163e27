import type {} from "cdktf/lib/testing/adapters/jest";
import { Testing, TerraformStack } from "cdktf";
import { ActionsEnvironmentSecret } from "@cdktf/provider-github/lib/actions-environment-secret";
import { ActionsEnvironmentVariable } from "@cdktf/provider-github/lib/actions-environment-variable";
import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryEnvironmentDeploymentPolicy } from "@cdktf/provider-github/lib/repository-environment-deployment-policy";
import { RepositoryRuleset } from "@cdktf/provider-github/lib/repository-ruleset";
import { DeploymentEnvironment } from "../../constructs/github/deployment-environment";
import { EnvironmentSecrets } from "../../constructs/github/environment-secrets";
import {
  EnvironmentSecretValues,
  environmentSecretVariablePrefix,
} from "../../constructs/github/environment-secret-values";
import { RepositoryGovernance } from "../../constructs/github/repository-governance";
import { dataSourcesOf, resourcesOf } from "../helpers";

function productionEnvironment(stack: TerraformStack): DeploymentEnvironment {
  return new DeploymentEnvironment(stack, "production", {
    repository: "wtfb-app",
    environmentName: "production",
    reviewerUsers: ["auggie"],
    reviewerTeams: ["project-leads"],
    preventSelfReview: true,
    waitTimerMinutes: 5,
    canAdminsBypass: false,
    branchPatterns: ["main", "hotfix/*"],
    tagPatterns: ["v*"],
    variables: { NODE_ENV: "production" },
  });
}

describe("DeploymentEnvironment", () => {
  test("creates the environment with reviewers resolved from names, self-review prevention and no admin bypass", () => {
    // GIVEN / WHEN
    const synthesized = Testing.synthScope((scope) => {
      productionEnvironment(scope as TerraformStack);
    });

    // THEN
    expect(synthesized).toHaveResourceWithProperties(RepositoryEnvironment, {
      repository: "wtfb-app",
      environment: "production",
      prevent_self_review: true,
      wait_timer: 5,
      can_admins_bypass: false,
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    const [environment] = Object.values(resourcesOf(synthesized, "github_repository_environment"));
    const userId = Object.keys(dataSourcesOf(synthesized, "github_user"))[0];
    const teamId = Object.keys(dataSourcesOf(synthesized, "github_team"))[0];
    expect(environment.reviewers).toEqual([
      { users: [`\${data.github_user.${userId}.id}`], teams: [`\${data.github_team.${teamId}.id}`] },
    ]);
    expect(Object.values(dataSourcesOf(synthesized, "github_user"))).toEqual([
      expect.objectContaining({ username: "auggie" }),
    ]);
    expect(Object.values(dataSourcesOf(synthesized, "github_team"))).toEqual([
      expect.objectContaining({ slug: "project-leads" }),
    ]);
  });

  test("adds one deployment policy per branch and tag pattern, and variables for settings", () => {
    const synthesized = Testing.synthScope((scope) => {
      productionEnvironment(scope as TerraformStack);
    });
    const policies = Object.values(resourcesOf(synthesized, "github_repository_environment_deployment_policy"));
    expect(policies.map((policy) => policy.branch_pattern ?? `tag:${policy.tag_pattern}`).sort()).toEqual([
      "hotfix/*",
      "main",
      "tag:v*",
    ]);
    for (const policy of policies)
      expect(policy.environment).toMatch(/^\$\{github_repository_environment\..+\.environment\}$/);
    expect(synthesized).toHaveResourceWithProperties(ActionsEnvironmentVariable, {
      variable_name: "NODE_ENV",
      value: "production",
    });
    expect(synthesized).toHaveResourceWithProperties(RepositoryEnvironmentDeploymentPolicy, { tag_pattern: "v*" });
  });

  test("without patterns any branch may deploy and no reviewers block is written", () => {
    const synthesized = Testing.synthScope((scope) => {
      new DeploymentEnvironment(scope, "development", { repository: "wtfb-app", environmentName: "development" });
    });
    const [environment] = Object.values(resourcesOf(synthesized, "github_repository_environment"));
    expect(environment.deployment_branch_policy).toBeUndefined();
    expect(environment.reviewers).toBeUndefined();
    expect(environment.can_admins_bypass).toBe(true);
    expect(resourcesOf(synthesized, "github_repository_environment_deployment_policy")).toEqual({});
  });
});

describe("EnvironmentSecretValues", () => {
  test("every Terraform-managed secret takes its value from a sensitive variable, never a literal; external ones get none", () => {
    // GIVEN / WHEN
    const synthesized = Testing.synthScope((scope) => {
      const environment = productionEnvironment(scope as TerraformStack);
      new EnvironmentSecretValues(scope, "secrets", {
        environment,
        secrets: [
          { name: "DATABASE_URL" },
          { name: "SESSION_SECRET", description: "cookie signing key" },
          { name: "STRIPE_KEY", managedBy: "external" },
        ],
        variablePrefix: environmentSecretVariablePrefix("production"),
      });
    });

    // THEN
    expect(synthesized).toHaveResourceWithProperties(ActionsEnvironmentSecret, {
      secret_name: "DATABASE_URL",
      plaintext_value: "${var.production_secret_database_url}",
    });
    expect(synthesized).toHaveResourceWithProperties(ActionsEnvironmentSecret, {
      secret_name: "SESSION_SECRET",
      plaintext_value: "${var.production_secret_session_secret}",
    });
    expect(
      Object.values(resourcesOf(JSON.parse(synthesized), "github_actions_environment_secret")).map(
        (secret) => secret.secret_name,
      ),
    ).toEqual(["DATABASE_URL", "SESSION_SECRET"]);
    const variables = JSON.parse(synthesized).variable;
    expect(Object.keys(variables).sort()).toEqual([
      "production_secret_database_url",
      "production_secret_session_secret",
    ]);
    expect(variables.production_secret_database_url).toMatchObject({
      sensitive: true,
      nullable: false,
      type: "string",
    });
    expect(variables.production_secret_session_secret.description).toContain("TF_VAR_production_secret_session_secret");
    expect(variables.production_secret_session_secret.default).toBeUndefined();
  });
});

describe("EnvironmentSecrets", () => {
  test("writes nothing to GitHub: each secret is a sensitive variable for the containers", () => {
    const synthesized = Testing.synthScope((scope) => {
      const secrets = new EnvironmentSecrets(scope, "secrets", {
        environment: { repository: "wtfb-app", environmentName: "production" },
        secrets: [{ name: "DATABASE_URL" }, { name: "SESSION_SECRET", description: "cookie signing key" }],
      });
      secrets.secretNames.forEach((name) => secrets.valueOf(name));
    });
    const json = JSON.parse(synthesized);
    expect(json.resource ?? {}).toEqual({});
    expect(json.variable.secret_database_url).toMatchObject({ sensitive: true, nullable: false, type: "string" });
    expect(json.variable.secret_session_secret.description).toContain("TF_VAR_secret_session_secret");
  });

  test("an externally managed secret gets no resource and no variable, only a plan-time check that it exists", () => {
    const synthesized = Testing.synthScope((scope) => {
      const environment = productionEnvironment(scope as TerraformStack);
      new EnvironmentSecrets(scope, "secrets", {
        environment,
        secrets: [{ name: "SENTRY_DSN", managedBy: "external" }],
      });
    });
    expect(resourcesOf(synthesized, "github_actions_environment_secret")).toEqual({});
    expect(JSON.parse(synthesized).variable).toBeUndefined();
    const [check] = Object.values(dataSourcesOf(synthesized, "github_actions_environment_secrets"));
    expect(check.lifecycle.postcondition).toEqual([
      expect.objectContaining({
        condition: expect.stringContaining('"SENTRY_DSN"'),
        error_message: expect.stringContaining("gh secret set SENTRY_DSN --env production"),
      }),
    ]);
  });

  test("an external secret is checked at plan time in an existing environment, and not while the environment is being created", () => {
    // GIVEN / WHEN
    const synthesized = Testing.synthScope((scope) => {
      const environment = productionEnvironment(scope as TerraformStack);
      new EnvironmentSecrets(scope, "secrets", {
        environment,
        secrets: [{ name: "SENTRY_DSN", managedBy: "external" }],
      });
    });

    // THEN the environments the repository has are listed at plan time (only constants in, no managed resource)
    const [[listId, list]] = Object.entries(dataSourcesOf(synthesized, "github_repository_environments"));
    expect(list).toEqual({ repository: "wtfb-app" });
    // and the secrets are read at plan time too: the environment is named by a constant, not by the managed
    // environment (a reference to a resource with pending changes defers the read, and its postcondition, to apply)
    const [check] = Object.values(dataSourcesOf(synthesized, "github_actions_environment_secrets"));
    expect(check).toMatchObject({ name: "wtfb-app", environment: "production" });
    expect(check.depends_on).toBeUndefined();
    expect(JSON.stringify(check)).not.toContain("github_repository_environment.");
    // only where the environment exists already: a fresh one has no secrets yet, and its first apply creates it
    expect(check.count).toBe(
      `\${contains(data.github_repository_environments.${listId}.environments[*].name, "production") ? 1 : 0}`,
    );
    expect(check.lifecycle.postcondition).toHaveLength(1);
  });

  test("valueOf an external secret declares its variable for the deploy workflow to supply", () => {
    const synthesized = Testing.synthScope((scope) => {
      const environment = productionEnvironment(scope as TerraformStack);
      const secrets = new EnvironmentSecrets(scope, "secrets", {
        environment,
        secrets: [{ name: "SENTRY_DSN", managedBy: "external" }],
      });
      expect(secrets.valueOf("SENTRY_DSN")).toMatch(/^\$\{TfToken\[/);
    });
    expect(JSON.parse(synthesized).variable.secret_sentry_dsn).toMatchObject({ sensitive: true });
  });

  test("fails when a secret is declared twice", () => {
    expect(() =>
      Testing.synthScope((scope) => {
        const environment = productionEnvironment(scope as TerraformStack);
        new EnvironmentSecrets(scope, "secrets", {
          environment,
          secrets: [{ name: "DATABASE_URL" }, { name: "DATABASE_URL" }],
        });
      }),
    ).toThrow("secret DATABASE_URL is declared twice for production");
  });

  test("fails when asked for the value of an undeclared secret, without echoing any value", () => {
    expect(() =>
      Testing.synthScope((scope) => {
        const environment = productionEnvironment(scope as TerraformStack);
        new EnvironmentSecrets(scope, "secrets", { environment, secrets: [] }).valueOf("API_KEY");
      }),
    ).toThrow("no secret named API_KEY in production; declare it in environments.production.secrets");
  });
});

describe("RepositoryGovernance", () => {
  test("protects the default branch: reviewed pull requests, required checks, staging verified, no force-push or deletion", () => {
    const synthesized = Testing.synthScope((scope) => {
      new RepositoryGovernance(scope, "governance", {
        repository: "wtfb-app",
        requiredApprovals: 2,
        requiredChecks: ["ci / test", "ci / build"],
      });
    });
    expect(synthesized).toHaveResourceWithProperties(RepositoryRuleset, {
      target: "branch",
      enforcement: "active",
      conditions: { ref_name: { include: ["~DEFAULT_BRANCH"], exclude: [] } },
      rules: expect.objectContaining({
        deletion: true,
        non_fast_forward: true,
        pull_request: expect.objectContaining({
          required_approving_review_count: 2,
          dismiss_stale_reviews_on_push: true,
        }),
        required_status_checks: expect.objectContaining({
          required_check: [{ context: "ci / test" }, { context: "ci / build" }],
        }),
        required_deployments: { required_deployment_environments: ["staging"] },
      }),
    });
    expect(synthesized).toHaveResourceWithProperties(RepositoryRuleset, {
      target: "tag",
      conditions: { ref_name: { include: ["refs/tags/v*"], exclude: [] } },
    });
  });

  test("lets only the named actors bypass the default-branch ruleset, never the release tags", () => {
    const synthesized = Testing.synthScope((scope) => {
      new RepositoryGovernance(scope, "governance", {
        repository: "wtfb-app",
        bypassActors: [{ actorType: "Integration", actorId: 123456 }],
      });
    });
    const rulesets = Object.values(resourcesOf(synthesized, "github_repository_ruleset"));
    const branch = rulesets.find((ruleset) => ruleset.target === "branch");
    const tag = rulesets.find((ruleset) => ruleset.target === "tag");
    expect(branch.bypass_actors).toEqual([{ actor_type: "Integration", actor_id: 123456, bypass_mode: "always" }]);
    expect(tag.bypass_actors).toBeUndefined();
  });

  test("fails when fewer than one approval is required", () => {
    expect(() =>
      Testing.synthScope(
        (scope) => new RepositoryGovernance(scope, "governance", { repository: "wtfb-app", requiredApprovals: 0 }),
      ),
    ).toThrow("requiredApprovals is 0; a pull request needs at least 1 approval");
  });
});
