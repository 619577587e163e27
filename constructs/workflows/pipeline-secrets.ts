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

/** Secrets the pipeline itself needs, with what each is for. */
export const PIPELINE_SECRETS = {
  adminToken: "PIPELINE_ADMIN_TOKEN",
  grafanaToken: "GRAFANA_TOKEN",
  registryUsername: "REGISTRY_USERNAME",
  registryPassword: "REGISTRY_PASSWORD",
  rollbackDispatchToken: "ROLLBACK_DISPATCH_TOKEN",
  sshPrivateKey: "DOCKER_SSH_PRIVATE_KEY",
  sshKnownHosts: "DOCKER_SSH_KNOWN_HOSTS",
  sentryAuthToken: "SENTRY_AUTH_TOKEN",
} as const;

/** `${{ secrets.NAME }}`. */
export function secretExpression(name: string): string {
  return `\${{ secrets.${name} }}`;
}

/** Environment of every `cdktf deploy <environment>`: what the providers, the sensitive variables and the backend read. */
export function terraformDeployEnv(config: PipelineConfig, environment: EnvironmentName): Record<string, string> {
  const profile = config.environments[environment];
  const stakeholders = config.monitoring.stakeholders;
  return {
    // The github provider manages the environment, its variables and secrets.
    GITHUB_TOKEN: secretExpression(PIPELINE_SECRETS.adminToken),
    GH_TOKEN: secretExpression(PIPELINE_SECRETS.adminToken),
    GRAFANA_AUTH: secretExpression(PIPELINE_SECRETS.grafanaToken),
    [`TF_VAR_${REGISTRY_USERNAME_VARIABLE}`]: secretExpression(PIPELINE_SECRETS.registryUsername),
    [`TF_VAR_${REGISTRY_PASSWORD_VARIABLE}`]: secretExpression(PIPELINE_SECRETS.registryPassword),
    [`TF_VAR_${ROLLBACK_DISPATCH_TOKEN_VARIABLE}`]: secretExpression(PIPELINE_SECRETS.rollbackDispatchToken),
    ...(stakeholders?.type === "slack" ? { [`TF_VAR_${stakeholders.webhookUrlSecret.toLowerCase()}`]: secretExpression(stakeholders.webhookUrlSecret) } : {}),
    ...Object.fromEntries(profile.secrets.map((secret) => [`TF_VAR_${EnvironmentSecrets.variableName(secret.name)}`, secretExpression(secret.name)])),
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
      return { [`TF_TOKEN_${backend.hostname.replace(/\./g, "_").replace(/-/g, "__")}`]: secretExpression("TF_API_TOKEN") };
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
