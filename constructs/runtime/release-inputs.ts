import type { Construct } from "constructs";
import { Fn, TerraformStack, TerraformVariable } from "cdktf";
import { releaseVariables, type ReleaseVariables, type Slot } from "../contract";
import type { DeploymentStrategy } from "./deployment-strategy";

/**
 * A version: an image tag as registries accept it (1.4.2, 1.4.2-3f9a2c1, sha-3f9a2c1), optionally with the digest
 * CI's build recorded (1.4.2-3f9a2c1@sha256:<64 hex>), which the release then runs whatever the tag points at.
 */
const VERSION_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[0-9a-f]{64})?$";
/** The digest part of a version, as Terraform's `regex` captures it. */
export const DIGEST_IN_VERSION = "@(sha256:[0-9a-f]{64})$";

/** A version variable and the slot it pins (`undefined` for rolling, whose one version serves every replica). */
export interface ReleaseVersion {
  /** Slot the version runs in; rolling releases have none. */
  readonly slot?: Extract<Slot, string>;
  /** Reference to the version variable (an image tag, optionally `@sha256:…`). */
  readonly version: string;
  /** Reference to the version's tag, without a digest: what the application and its labels report. */
  readonly tag: string;
  /** Name of the version variable. */
  readonly variable: string;
}

/**
 * The Terraform variables through which the deploy and rollback workflows choose what runs, named by the shared
 * contract (`releaseVariables`). They have no defaults: every apply states the versions it deploys.
 */
export class ReleaseInputs {
  /** Names of the variables, as the contract defines them. */
  public readonly names: ReleaseVariables;
  /** One entry per version the strategy runs: one for rolling, two for blue-green and canary. */
  public readonly versions: readonly ReleaseVersion[];
  /** Reference to the blue-green active slot (`blue` or `green`). */
  public readonly activeSlot?: string;
  /** Reference to the canary weight (whole percent, 0–100). */
  public readonly canaryWeightPercent?: number;

  constructor(scope: Construct, applicationName: string, environmentName: string, strategy: DeploymentStrategy) {
    // Stack-level variables so their names are exactly what TF_VAR_ expects.
    const stack = TerraformStack.of(scope);
    const names = releaseVariables(applicationName, strategy.config);
    this.names = names;
    const version = (variableName: string, slot?: Extract<Slot, string>): ReleaseVersion => {
      const where = slot ? `the ${slot} slot of ${applicationName}` : `every replica of ${applicationName}`;
      const variable = new TerraformVariable(stack, variableName, {
        type: "string",
        nullable: false,
        description: `Image tag ${where} runs in ${environmentName} (e.g. 1.4.2-3f9a2c1), with the digest its build pushed (1.4.2-3f9a2c1@sha256:…) to run exactly that image. Set by the deploy workflow as TF_VAR_${variableName}; rollback sets the known-good version.`,
        validation: [
          {
            condition: `\${can(regex("${VERSION_PATTERN}", var.${variableName}))}`,
            errorMessage: `${variableName} must be an image tag (letters, digits, _ . -, at most 128 characters, not starting with . or -), optionally followed by @sha256: and 64 lower-case hex digits, e.g. 1.4.2, 1.4.2-3f9a2c1 or 1.4.2-3f9a2c1@sha256:<digest>.`,
          },
        ],
      });
      return {
        slot,
        version: variable.stringValue,
        tag: Fn.element(Fn.split("@", variable.stringValue), 0),
        variable: variableName,
      };
    };

    switch (names.strategy) {
      case "rolling":
        this.versions = [version(names.version)];
        break;
      case "blue-green": {
        this.versions = [version(names.blueVersion, "blue"), version(names.greenVersion, "green")];
        this.activeSlot = new TerraformVariable(stack, names.activeSlot, {
          type: "string",
          nullable: false,
          description: `Slot of ${applicationName} that receives all traffic in ${environmentName}: blue or green. Switching is a change of this variable only.`,
          validation: [
            {
              condition: `\${contains(["blue", "green"], var.${names.activeSlot})}`,
              errorMessage: `${names.activeSlot} must be "blue" or "green".`,
            },
          ],
        }).stringValue;
        break;
      }
      case "canary": {
        this.versions = [version(names.stableVersion, "stable"), version(names.canaryVersion, "canary")];
        this.canaryWeightPercent = new TerraformVariable(stack, names.canaryWeight, {
          type: "number",
          nullable: false,
          description: `Percent of requests to ${applicationName} in ${environmentName} that go to the canary slot (0–100); 0 sends every request to stable.`,
          validation: [
            {
              condition: `\${var.${names.canaryWeight} >= 0 && var.${names.canaryWeight} <= 100 && floor(var.${names.canaryWeight}) == var.${names.canaryWeight}}`,
              errorMessage: `${names.canaryWeight} must be a whole percentage from 0 to 100.`,
            },
          ],
        }).numberValue;
        break;
      }
    }
  }
}
