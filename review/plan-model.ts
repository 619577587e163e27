/** The plan review as plain data: what a change to the code or config does to each synthesized stack. */
import type { ReplacementVerdict } from "./replacement-rules";
import type { UnifiedDiff } from "./text-diff";

/** A synthesized app as read from its output directory. */
export interface SynthesizedApp {
  /** Stack name → parsed `cdk.tf.json`. */
  readonly stacks: Readonly<Record<string, StackJson>>;
  /** Artifact path (relative to the output directory) → content; `pipeline.md`, `workflows/*.yml`, … */
  readonly artifacts: Readonly<Record<string, string>>;
}

/** A synthesized stack: Terraform JSON configuration syntax. */
export type StackJson = Readonly<Record<string, unknown>>;

/**
 * What happens to one block. `read` is a data source looked up; `forget` one no longer looked up; `move` a resource
 * whose state a `moved` block takes to a new address, unchanged otherwise.
 */
export type BlockAction = "destroy" | "replace" | "may-replace" | "update" | "move" | "create" | "read" | "forget";

/** Kinds of block in a stack, as Terraform names them. */
export type BlockKind = "resource" | "data" | "variable" | "output" | "provider" | "backend" | "terraform" | "other";

/** A document-like string value (workflow YAML, dashboard JSON) compared line by line. */
export interface DocumentChange {
  readonly language: "yaml" | "json" | "text";
  readonly diff: UnifiedDiff;
}

export interface AttributeChange {
  /** Path inside the block: `reviewers[0].users`, `rule[name="HighErrorRate"]`. */
  readonly path: string;
  /** Value before; undefined when the attribute is new. Masked values are `Sensitive`. */
  readonly before?: unknown;
  /** Value after; undefined when the attribute is removed. */
  readonly after?: unknown;
  /** For a resource: whether this change replaces it. */
  readonly replacement?: ReplacementVerdict;
  /** Set when both sides are documents: their line diff. */
  readonly document?: DocumentChange;
}

export interface BlockChange {
  readonly kind: BlockKind;
  /** Terraform address: `github_repository_environment.environment_782F3C0C`, `data.github_user.x`, `var.secret_x`, `backend`. */
  readonly address: string;
  /** Resource or data source type; provider or backend name. */
  readonly type: string;
  /** The construct path (`production/environment/environment`), when the stack records one. */
  readonly constructPath?: string;
  readonly action: BlockAction;
  /** For update and replace: what changed. For create and destroy: every attribute of the new or old block. */
  readonly attributes: readonly AttributeChange[];
  /** What a reviewer must know beyond the attributes (state migration, a variable to supply). */
  readonly notes: readonly string[];
  /** The base's address of a block a `moved` block brought to `address`. */
  readonly movedFrom?: string;
  /** Set when the block is replaced because another is: an attribute that forces replacement reads the other's value. */
  readonly replacedWith?: readonly ReplacementCause[];
}

/** A replacement that follows from another: `attribute` reads `resource`'s `reads`, which the other's replacement changes or may change. */
export interface ReplacementCause {
  /** Top-level attribute of this block that forces replacement. */
  readonly attribute: string;
  /** Address of the resource replaced (or possibly replaced). */
  readonly resource: string;
  /** The attribute of that resource the value reads (`id`). */
  readonly reads: string;
  /** True when the value changes for certain: the resource is replaced and its `id` is read. */
  readonly certain: boolean;
}

export type StackStatus = "added" | "removed" | "changed" | "unchanged";

export interface StackReview {
  readonly name: string;
  readonly status: StackStatus;
  /** Ordered for review: destroys, then replacements, updates that remove something, other updates, creates; then the rest. */
  readonly changes: readonly BlockChange[];
}

export interface ArtifactChange {
  readonly path: string;
  readonly action: "create" | "update" | "destroy";
  /** The new content (for create and update). */
  readonly content?: string;
  readonly diff: UnifiedDiff;
}

/** Where one side of the comparison came from and whether it could be synthesized. */
export type SideStatus =
  | {
      readonly label: string;
      readonly commit?: string;
      readonly synthesized: true;
      /** Read from the review cache, synthesized by an earlier review. */ readonly cached?: boolean;
    }
  | { readonly label: string; readonly commit?: string; readonly synthesized: false; readonly reason: string };

export interface PlanReview {
  readonly base: SideStatus;
  readonly head: SideStatus;
  readonly stacks: readonly StackReview[];
  readonly artifacts: readonly ArtifactChange[];
}
