/**
 * Synth without cdktf's preparing pass, when it has nothing to prepare.
 *
 * Before synthesizing, cdktf builds and resolves every element of every stack once and throws the result away
 * (`TerraformStack.prepareStack`). That pass is there for cross-stack references: a reference resolved in another
 * stack than its own registers an output in its stack and a remote-state data source in the other. The pipeline's
 * stacks never reference each other, and the pass is a fifth of synth at 50 applications.
 *
 * Installed (by the app only), `synthesizeSinglePass` skips that pass and watches every reference resolved during
 * synth. A reference from another stack, which the pass would have registered, stops the synth; it then starts
 * over from new constructs the way cdktf does, with the pass. The output is the same either way.
 */
import { App, TerraformStack, ref } from "cdktf";

interface ReferenceLike {
  readonly originStack?: TerraformStack;
  readonly crossStackIdentifier: Record<string, string>;
  resolve(context: { scope: unknown; preparing: boolean }): unknown;
}

interface StackInternals {
  prepareStack(): void;
  ensureBackendExists(): unknown;
}

/** Thrown inside cdktf's resolution when a reference comes from another stack: this synth needs the preparing pass. */
class CrossStackReference extends Error {
  constructor() {
    super("a reference from another stack needs cdktf's preparing pass");
  }
}

let installed: { prepareStack: () => void; resolve: ReferenceLike["resolve"]; referencePrototype: ReferenceLike } | undefined;
let skipping = false;
/** Set with the throw, in case something between the reference and `synthesizeSinglePass` swallows the error. */
let crossStackSeen = false;

/** Patches cdktf so that `synthesizeSinglePass` can skip the preparing pass; false when cdktf's internals differ. */
export function installSinglePassSynth(): boolean {
  if (installed !== undefined) return true;
  const stackPrototype = TerraformStack.prototype as unknown as StackInternals;
  const referencePrototype = Object.getPrototypeOf(ref("probe", undefined)) as ReferenceLike;
  if (typeof stackPrototype.prepareStack !== "function" || typeof stackPrototype.ensureBackendExists !== "function" || typeof referencePrototype.resolve !== "function") {
    return false;
  }
  const prepareStack = stackPrototype.prepareStack;
  const resolve = referencePrototype.resolve;
  stackPrototype.prepareStack = function (this: StackInternals): void {
    if (!skipping) return prepareStack.call(this);
    // The part of the pass that is not resolution: a stack without a backend gets the local one.
    this.ensureBackendExists();
  };
  referencePrototype.resolve = function (this: ReferenceLike, context) {
    if (skipping && !context.preparing && this.originStack !== undefined) {
      const resolvingStack = TerraformStack.of(context.scope as App);
      if (this.originStack !== resolvingStack && this.crossStackIdentifier[resolvingStack.toString()] === undefined) {
        crossStackSeen = true;
        throw new CrossStackReference();
      }
    }
    return resolve.call(this, context);
  };
  installed = { prepareStack, resolve, referencePrototype };
  return true;
}

/** Restores cdktf's own methods (for tests that compare both). */
export function uninstallSinglePassSynth(): void {
  if (installed === undefined) return;
  (TerraformStack.prototype as unknown as StackInternals).prepareStack = installed.prepareStack;
  installed.referencePrototype.resolve = installed.resolve;
  installed = undefined;
}

/**
 * `build()` then `app.synth()`, without the preparing pass when installed. `build` must make every construct anew
 * and leave nothing in the output directory, since it runs a second time if a cross-stack reference turns up.
 */
export function synthesizeSinglePass<T extends { readonly app: App }>(build: () => T): T {
  if (installed === undefined) {
    const built = build();
    built.app.synth();
    return built;
  }
  const first = build();
  skipping = true;
  crossStackSeen = false;
  try {
    first.app.synth();
    if (!crossStackSeen) return first;
  } catch (error) {
    if (!(error instanceof CrossStackReference) && !crossStackSeen) throw error;
  } finally {
    skipping = false;
  }
  const second = build();
  second.app.synth();
  return second;
}
