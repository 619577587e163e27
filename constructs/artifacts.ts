import type { IConstruct } from "constructs";

/**
 * Files an app writes next to its stacks in the output directory (workflow YAML, alert rules, the pipeline
 * diagram), so a reviewer can read them. Constructs register files; the synth entry point writes them once.
 */
export class Artifacts {
  /** The artifact set of the app a construct belongs to. */
  public static of(scope: IConstruct): Artifacts {
    const root = scope.node.root;
    let artifacts = Artifacts.byRoot.get(root);
    if (!artifacts) {
      artifacts = new Artifacts();
      Artifacts.byRoot.set(root, artifacts);
    }
    return artifacts;
  }

  private static readonly byRoot = new WeakMap<IConstruct, Artifacts>();
  private readonly files = new Map<string, string>();

  /** Registers a file at a path relative to the output directory. Two different contents for one path is a bug. */
  public add(relativePath: string, content: string): void {
    const normalized = relativePath.replace(/\\/g, "/");
    if (normalized.startsWith("/") || normalized.split("/").includes("..")) {
      throw new Error(`artifact path ${relativePath} must be relative and stay inside the output directory`);
    }
    const existing = this.files.get(normalized);
    if (existing !== undefined && existing !== content) {
      throw new Error(`artifact ${normalized} was registered twice with different content`);
    }
    this.files.set(normalized, content);
  }

  /**
   * Registered files, sorted by path in code-point order: the same on every machine, whatever its locale
   * (`localeCompare` would also load ICU's collation data, about 10 ms).
   */
  public entries(): Array<[string, string]> {
    return [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
