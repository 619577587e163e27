import { Construct } from "constructs";
import { TerraformStack, TerraformVariable } from "cdktf";
import { ActionsEnvironmentSecret } from "@cdktf/provider-github/lib/actions-environment-secret";
import type { DeploymentEnvironment } from "./deployment-environment";
import type { SecretSpec } from "./environment-secrets";

export interface EnvironmentSecretValuesProps {
  /** The environment whose secrets are written. */
  readonly environment: DeploymentEnvironment;
  /** The environment's secrets; only those managed by Terraform get a value here, external ones are left alone. */
  readonly secrets: readonly SecretSpec[];
  /** Prefix of the sensitive variables' names (`TF_VAR_<prefix><name in lower case>`). */
  readonly variablePrefix: string;
}

/**
 * Writes the Terraform-managed secrets of one environment into GitHub (`github_actions_environment_secret`), each
 * from a sensitive variable. Writing an environment's secrets needs a token that may write every environment's, so
 * this belongs in the repository stack, beside the environment's protection rules, and never in a stack that a
 * deploy token applies. Secrets managed outside Terraform are not touched: their value never enters state.
 */
export class EnvironmentSecretValues extends Construct {
  /** Names of the secrets written here. */
  public readonly secretNames: readonly string[];

  constructor(scope: Construct, id: string, props: EnvironmentSecretValuesProps) {
    super(scope, id);
    const { environment } = props;
    const managed = props.secrets.filter((secret) => secret.managedBy !== "external");
    this.secretNames = managed.map((secret) => secret.name);
    for (const secret of managed) {
      const variableName = `${props.variablePrefix}${secret.name.toLowerCase()}`;
      // Variables live at stack level so their names are exactly what TF_VAR_ expects.
      const variable = new TerraformVariable(TerraformStack.of(this), variableName, {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `Value of secret ${secret.name} of environment ${environment.environmentName}${secret.description ? ` (${secret.description})` : ""}. Supply as TF_VAR_${variableName}.`,
      });
      new ActionsEnvironmentSecret(this, `secret-${secret.name}`, {
        repository: environment.repository,
        environment: environment.resource.environment,
        secretName: secret.name,
        plaintextValue: variable.stringValue,
      });
    }
  }
}

/** Prefix of the sensitive variables holding one environment's secret values in the repository stack: `production_secret_`. */
export function environmentSecretVariablePrefix(environment: string): string {
  return `${environment}_secret_`;
}
