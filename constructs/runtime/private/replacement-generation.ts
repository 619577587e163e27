import { createHash } from "crypto";
import type { Construct } from "constructs";
import { Fn, TerraformResource, type ITerraformIterator, type TerraformResourceLifecycle } from "cdktf";
import { plainReference } from "./references";

export interface ReplacementGenerationProps {
  /** Values whose change replaces this resource, and with it everything named after its id. */
  readonly triggersReplace: unknown;
  /** One instance per element of the iterator. @default - a single instance */
  readonly forEach?: ITerraformIterator;
  /** Lifecycle of the resource. @default - none */
  readonly lifecycle?: TerraformResourceLifecycle;
}

/**
 * Terraform's built-in `terraform_data` resource, declared directly. cdktf's own `DataResource` adds a synth-time
 * validation that runs `terraform version` once per resource, which makes synth slow and dependent on a terraform
 * binary; the resource needs Terraform ≥ 1.4 at deploy time, which `cdktf deploy` checks anyway.
 */
export class ReplacementGeneration extends TerraformResource {
  private readonly triggersReplace: unknown;

  constructor(scope: Construct, id: string, props: ReplacementGenerationProps) {
    super(scope, id, {
      terraformResourceType: "terraform_data",
      terraformGeneratorMetadata: { providerName: "terraform" },
      lifecycle: props.lifecycle,
      forEach: props.forEach,
    });
    this.triggersReplace = props.triggersReplace;
  }

  /** The resource's id: a fresh UUID each time it is replaced. */
  public get id(): string {
    return this.getStringAttribute("id");
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: this.triggersReplace };
  }
}

/**
 * The first 8 characters of a generation's id, for a container name: a name Docker has not given out before each
 * time the generation is replaced. The generation's Terraform name must be final (`overrideLogicalId` first).
 */
export function generationSuffixOf(scope: Construct, generation: ReplacementGeneration): string {
  const id = plainReference(scope, generation, "id");
  return id === undefined ? Fn.substr(generation.id, 0, 8) : `\${substr(${id}, 0, 8)}`;
}

/** Short stable hash of plain config values (no Terraform references), for replacement triggers. */
export function fingerprint(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}
