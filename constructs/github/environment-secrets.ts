import { Construct } from "constructs";
import { TerraformStack, TerraformVariable, Token } from "cdktf";
import { DataGithubActionsEnvironmentSecrets } from "@cdktf/provider-github/lib/data-github-actions-environment-secrets";
import { DataGithubRepositoryEnvironments } from "@cdktf/provider-github/lib/data-github-repository-environments";

/** A GitHub environment by name; a `DeploymentEnvironment` is one. */
export interface EnvironmentReference {
  /** Repository the environment belongs to. */
  readonly repository: string;
  /** Name of the GitHub environment. */
  readonly environmentName: string;
}

/** A secret, by name only: its value never passes through the config or the synthesized output. */
export interface SecretSpec {
  /** Secret name, as workflows (`secrets.<name>`) and containers see it. */
  readonly name: string;
  /** What the secret is for. @default - none */
  readonly description?: string;
  /** `terraform`: value from a sensitive Terraform variable; `external`: set outside Terraform. @default "terraform" */
  readonly managedBy?: "terraform" | "external";
}

export interface EnvironmentSecretsProps {
  /** The environment the secrets belong to: by name, since the repository stack administers it. */
  readonly environment: EnvironmentReference;
  /** The secrets. */
  readonly secrets: readonly SecretSpec[];
  /** Prefix of the sensitive variables' names (`TF_VAR_<prefix><name in lower case>`). @default "secret_" */
  readonly variablePrefix?: string;
}

/**
 * The secrets of one environment as its deploy sees them (SOP §1.2 "use environment secrets in CI/CD for
 * deployment"): one sensitive variable per secret, which the deploy job fills from the environment's GitHub secret,
 * for the containers; and, for secrets managed outside Terraform, a plan-time check that they are set. It reads
 * GitHub and writes nothing there: writing an environment's secrets is the repository stack's job
 * (`EnvironmentSecretValues`), so a deploy token never needs to. An environment that does not exist yet is not
 * checked: the repository stack's apply creates it, and the plans after it fail until the secrets are set.
 */
export class EnvironmentSecrets extends Construct {
  /** Names of every declared secret. */
  public readonly secretNames: readonly string[];
  private readonly props: EnvironmentSecretsProps;
  private readonly variables = new Map<string, TerraformVariable>();

  constructor(scope: Construct, id: string, props: EnvironmentSecretsProps) {
    super(scope, id);
    this.props = props;
    const names = props.secrets.map((secret) => secret.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate)
      throw new Error(
        `EnvironmentSecrets: secret ${duplicate} is declared twice for ${props.environment.environmentName}; declare each name once`,
      );
    this.secretNames = names;

    const { environment } = props;
    const external = props.secrets.filter((secret) => secret.managedBy === "external");
    if (external.length > 0) {
      // Externally managed: no resource (the value stays out of state); the plan fails if one is missing.
      // Terraform reads a data source at plan time only when its arguments are known and it depends on no managed
      // resource with pending changes; otherwise the read, and its postcondition, wait for the apply. Naming the
      // environment through its resource did that whenever the environment changed, and on a fresh environment the
      // apply created it and then failed, since an environment has no secrets before it exists. So the secrets are read by the environment's name (a constant) and only where the repository's
      // environments, also read at plan time, list it: an existing environment is checked before anything
      // changes; a new one is created by a first apply that succeeds, and the plans after it fail until the
      // secrets are set (README, "The config"). Limit: github_repository_environments reads one page of 30
      // environments correctly; on a second page provider 6.6.0 dereferences nil options and 6.9.0 requests page 1
      // again forever (github/data_source_github_repository_environments.go), so a repository with more than 30
      // environments cannot plan this check.
      const environments = new DataGithubRepositoryEnvironments(this, "environments", {
        repository: environment.repository,
      });
      const name = JSON.stringify(environment.environmentName);
      const existing = new DataGithubActionsEnvironmentSecrets(this, "external-secrets", {
        name: environment.repository,
        environment: environment.environmentName,
        count: Token.asNumber(`\${contains(${environments.fqn}.environments[*].name, ${name}) ? 1 : 0}`),
      });
      existing.lifecycle = {
        postcondition: external.map((secret) => ({
          condition: `\${contains([for s in self.secrets : s.name], "${secret.name}")}`,
          errorMessage: `The secret ${secret.name} of environment ${environment.environmentName} is managed outside Terraform but is not set. Set it with: gh secret set ${secret.name} --env ${environment.environmentName}`,
        })),
      };
    }
  }

  /**
   * A reference to the sensitive variable holding a secret's value, for use in other resources (container
   * environment). For an external secret, the deploy workflow supplies it from the GitHub secret of that name.
   */
  public valueOf(name: string): string {
    const secret = this.props.secrets.find((s) => s.name === name);
    if (!secret) {
      throw new Error(
        `EnvironmentSecrets: no secret named ${name} in ${this.props.environment.environmentName}; declare it in environments.${this.props.environment.environmentName}.secrets`,
      );
    }
    let variable = this.variables.get(name);
    if (!variable) {
      const variableName = EnvironmentSecrets.variableName(name, this.props.variablePrefix);
      // Variables live at stack level so their names are exactly what TF_VAR_ expects.
      variable = new TerraformVariable(TerraformStack.of(this), variableName, {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `Value of secret ${name} of environment ${this.props.environment.environmentName}${secret.description ? ` (${secret.description})` : ""}. Supply as TF_VAR_${variableName}.`,
      });
      this.variables.set(name, variable);
    }
    return variable.stringValue;
  }

  /** Name of the sensitive variable of a secret: `secret_database_url` for DATABASE_URL. */
  public static variableName(secretName: string, prefix = "secret_"): string {
    return `${prefix}${secretName.toLowerCase()}`;
  }
}
