/** Applies the per-environment defaults to a parsed config. Pure: same input, same output. */
import { ENVIRONMENT_NAMES, type EnvironmentName } from "./environments";
import { ENVIRONMENT_DEFAULTS } from "./defaults";
import type { EnvironmentOverrides, ParsedPipelineConfig } from "./schema";
import type { EnvironmentProfile, PipelineConfig, SecretDeclaration } from "./types";

export function resolveConfig(parsed: ParsedPipelineConfig): PipelineConfig {
  const environments = {} as Record<EnvironmentName, EnvironmentProfile>;
  for (const name of ENVIRONMENT_NAMES) {
    environments[name] = resolveEnvironment(name, parsed.environments[name] ?? {}, parsed.repository);
  }
  return {
    repository: parsed.repository,
    applications: parsed.applications,
    environments,
    monitoring: parsed.monitoring,
    workflows: parsed.workflows,
  };
}

function resolveEnvironment(
  name: EnvironmentName,
  overrides: EnvironmentOverrides,
  repository: ParsedPipelineConfig["repository"],
): EnvironmentProfile {
  const defaults = ENVIRONMENT_DEFAULTS[name];
  const branches = overrides.branches ?? defaults.branches;
  // Rollbacks (repository_dispatch, workflow_dispatch) run from the default branch, so every environment admits it;
  // hotfixes deploy to staging, then production (SOP §7.2), so those two admit hotfix branches.
  const admitted = [repository.defaultBranch, ...(name === "development" ? [] : [repository.hotfixBranches])];
  const policyBranches = [...branches, ...admitted.filter((pattern) => !branches.includes(pattern))];
  return {
    name,
    purpose: overrides.purpose ?? defaults.purpose,
    stability: overrides.stability ?? defaults.stability,
    branches,
    tags: overrides.tags ?? defaults.tags,
    policyBranches,
    deployOnPush: overrides.deployOnPush ?? defaults.deployOnPush,
    reviewers: overrides.reviewers ?? defaults.reviewers,
    preventSelfReview: overrides.preventSelfReview ?? defaults.preventSelfReview,
    waitTimerMinutes: overrides.waitTimerMinutes ?? defaults.waitTimerMinutes,
    canAdminsBypass: overrides.canAdminsBypass ?? defaults.canAdminsBypass,
    deploymentWindow: overrides.deploymentWindow === undefined ? defaults.deploymentWindow : overrides.deploymentWindow,
    settings: { ...defaults.settings, ...overrides.settings },
    secrets: (overrides.secrets ?? defaults.secrets).map(normalizeSecret),
    backend: overrides.backend ?? defaults.backend,
    runtime: { ...defaults.runtime, ...overrides.runtime },
    monitoring: { ...defaults.monitoring, ...overrides.monitoring },
    deploy: { ...defaults.deploy, ...overrides.deploy },
  };
}

function normalizeSecret(secret: string | SecretDeclaration): SecretDeclaration {
  return typeof secret === "string" ? { name: secret, managedBy: "terraform" } : secret;
}
