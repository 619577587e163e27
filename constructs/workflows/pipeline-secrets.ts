/**
 * The secrets the workflows read (besides each environment's own, declared in the config), and the environment
 * a `cdktf deploy` needs: provider credentials, sensitive Terraform variables (`TF_VAR_…`) and state-backend
 * credentials. Values only ever come from the `secrets` context.
 */
import type { EnvironmentName } from "../../config/environments";
import type { BackendConfig, PipelineConfig } from "../../config/types";
import { REGISTRY_PASSWORD_VARIABLE, REGISTRY_USERNAME_VARIABLE } from "../contract";
import { EnvironmentSecrets } from "../github/environment-secrets";
import { ROLLBACK_DISPATCH_TOKEN_VARIABLE } from "../contract";
import type { Workflow } from "./workflows-model";

/**
 * Secrets the pipeline itself needs, with what each is for. Tokens are split by what they may do (docs/workflows.md,
 * "Threat model"): the one that administers the repository and its environments lives only in the `repository`
 * environment, which only the default branch reaches; what a deploy job holds cannot change reviewers or push.
 */
export const PIPELINE_SECRETS = {
  /** Administration, Environments, Secrets and Workflows write: the repository stack's apply only (environment `repository`). */
  adminToken: "PIPELINE_ADMIN_TOKEN",
  /** Per deployment environment: Environments write (its release variables), Administration, Actions and Secrets read (refresh of the environment's resources). */
  deployToken: "DEPLOY_TOKEN",
  /** Contents write with the default-branch ruleset's bypass (a GitHub App): the release commit and tag (environment `release`). */
  releaseToken: "RELEASE_TOKEN",
  /** Read-only (Administration, Contents, Environments read): the plan review's `cdktf diff` of the repository stack. */
  planReviewToken: "PLAN_REVIEW_TOKEN",
  /** Read-only (Secrets and Environments read): the secrets audit lists names and dates. */
  secretsAuditToken: "SECRETS_AUDIT_TOKEN",
  /** Per environment: the token of that environment's Grafana organization (provider and annotations). */
  grafanaAuth: "GRAFANA_AUTH",
  registryUsername: "REGISTRY_USERNAME",
  registryPassword: "REGISTRY_PASSWORD",
  rollbackDispatchToken: "ROLLBACK_DISPATCH_TOKEN",
  sshPrivateKey: "DOCKER_SSH_PRIVATE_KEY",
  sshKnownHosts: "DOCKER_SSH_KNOWN_HOSTS",
  sentryAuthToken: "SENTRY_AUTH_TOKEN",
} as const;

/** Pipeline secrets set on each GitHub environment (never the repository), so every job reads its own environment's. */
export const ENVIRONMENT_PIPELINE_SECRETS: readonly string[] = [
  PIPELINE_SECRETS.deployToken,
  PIPELINE_SECRETS.grafanaAuth,
  PIPELINE_SECRETS.rollbackDispatchToken,
];

/** The GitHub environment whose secrets administer the repository: reached from the default branch only. */
export const ADMIN_ENVIRONMENT = "repository";

/** The GitHub environment holding the release token: reached from the default branch only. */
export const RELEASE_ENVIRONMENT = "release";

/** Terraform's `-lock-timeout` for every apply: a rollback waits for a deploy holding the state lock instead of failing. */
export const STATE_LOCK_TIMEOUT = "30m";

/** `${{ secrets.NAME }}`. */
export function secretExpression(name: string): string {
  return `\${{ secrets.${name} }}`;
}

/** Environment of every `cdktf deploy <environment>`: what the providers, the sensitive variables and the backend read. */
export function terraformDeployEnv(config: PipelineConfig, environment: EnvironmentName): Record<string, string> {
  const profile = config.environments[environment];
  const stakeholders = config.monitoring.stakeholders;
  return {
    // The github provider refreshes the environment's resources; the deploy token cannot change its protection rules.
    GITHUB_TOKEN: secretExpression(PIPELINE_SECRETS.deployToken),
    GH_TOKEN: secretExpression(PIPELINE_SECRETS.deployToken),
    // The environment's own Grafana organization: each environment holds its org's token as GRAFANA_AUTH.
    TF_VAR_grafana_auth: secretExpression(PIPELINE_SECRETS.grafanaAuth),
    TF_CLI_ARGS_plan: `-lock-timeout=${STATE_LOCK_TIMEOUT}`,
    TF_CLI_ARGS_apply: `-lock-timeout=${STATE_LOCK_TIMEOUT}`,
    [`TF_VAR_${REGISTRY_USERNAME_VARIABLE}`]: secretExpression(PIPELINE_SECRETS.registryUsername),
    [`TF_VAR_${REGISTRY_PASSWORD_VARIABLE}`]: secretExpression(PIPELINE_SECRETS.registryPassword),
    [`TF_VAR_${ROLLBACK_DISPATCH_TOKEN_VARIABLE}`]: secretExpression(PIPELINE_SECRETS.rollbackDispatchToken),
    ...(stakeholders?.type === "slack"
      ? { [`TF_VAR_${stakeholders.webhookUrlSecret.toLowerCase()}`]: secretExpression(stakeholders.webhookUrlSecret) }
      : {}),
    ...Object.fromEntries(
      profile.secrets.map((secret) => [
        `TF_VAR_${EnvironmentSecrets.variableName(secret.name)}`,
        secretExpression(secret.name),
      ]),
    ),
    ...backendCredentialEnv(profile.backend),
  };
}

/** Credentials a state backend reads from the environment, each from the secret of the same name. */
export function backendCredentialEnv(backend: BackendConfig): Record<string, string> {
  const fromSecrets = (...names: string[]) => Object.fromEntries(names.map((name) => [name, secretExpression(name)]));
  switch (backend.type) {
    case "local":
      return {};
    case "s3":
      return fromSecrets("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
    case "gcs":
      return fromSecrets("GOOGLE_CREDENTIALS");
    case "azurerm":
      return fromSecrets("ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID");
    case "pg":
      return fromSecrets("PG_CONN_STR");
    case "remote":
      // Terraform reads a host's token from TF_TOKEN_<host with dots as underscores>.
      return {
        [`TF_TOKEN_${backend.hostname.replace(/\./g, "_").replace(/-/g, "__")}`]: secretExpression("TF_API_TOKEN"),
      };
  }
}

/** Names of the secrets a workflow reads, sorted; GITHUB_TOKEN is not a secret anyone sets. */
export function referencedSecrets(workflow: Pick<Workflow, "jobs">): string[] {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      for (const match of value.matchAll(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === "object") {
      Object.values(value).forEach(visit);
    }
  };
  visit(workflow.jobs);
  names.delete("GITHUB_TOKEN");
  return [...names].sort();
}
