import { Construct } from "constructs";
import type { TerraformStack } from "cdktf";
import type { EnvironmentProfile } from "../config/types";

/** One resource an environment stack held before the repository stack took it over. */
export interface MovedGithubResource {
  /** Its Terraform address in the environment stack's state. */
  readonly address: string;
  /** What it is, for the upgrade notes. */
  readonly type: string;
}

/**
 * The GitHub resources that environment stacks of earlier releases created, at their addresses there: the
 * environment with its deployment policies and variables (construct `environment`), and the Terraform-managed
 * secrets (construct `secrets`). Addresses come from the stack's own logical-ID scheme applied to those construct
 * paths, so they are exactly what the old state holds.
 */
export function movedGithubResources(stack: TerraformStack, profile: EnvironmentProfile): MovedGithubResource[] {
  // A detached tree with the old construct paths: never part of the stack, so it synthesizes nothing. Its root is
  // named "Default", which the logical-ID scheme leaves out, so each id is computed from the path inside the stack.
  const root = new Construct(undefined as unknown as Construct, "Default");
  const environment = new Construct(root, "environment");
  const secrets = new Construct(root, "secrets");
  const at = (type: string, parent: Construct, id: string): MovedGithubResource => ({
    type,
    address: `${type}.${stack.getLogicalId(new Construct(parent, id).node)}`,
  });
  return [
    at("github_repository_environment", environment, "environment"),
    ...profile.policyBranches.map((pattern) =>
      at("github_repository_environment_deployment_policy", environment, `branch-policy-${pattern}`),
    ),
    ...profile.tags.map((pattern) =>
      at("github_repository_environment_deployment_policy", environment, `tag-policy-${pattern}`),
    ),
    ...Object.keys(profile.settings).map((name) =>
      at("github_actions_environment_variable", environment, `variable-${name}`),
    ),
    ...profile.secrets
      .filter((secret) => secret.managedBy !== "external")
      .map((secret) => at("github_actions_environment_secret", secrets, `secret-${secret.name}`)),
  ];
}

/**
 * Declares `removed { lifecycle { destroy = false } }` for every resource that moved to the repository stack, so
 * that the first apply of an upgraded environment stack drops them from its state and leaves them in GitHub (where
 * the repository stack takes them over) instead of deleting the environment. A block whose resource is not in the
 * state does nothing, so new installations are unaffected.
 */
export function forgetMovedGithubAdministration(stack: TerraformStack, profile: EnvironmentProfile): void {
  const removed = movedGithubResources(stack, profile).map((resource) => ({
    from: resource.address,
    lifecycle: { destroy: false },
  }));
  stack.addOverride("removed", removed);
}
