import * as fs from "fs";
import * as path from "path";
import type { IConstruct } from "constructs";
import { TerraformStack, type IStackSynthesizer, type ISynthesisSession } from "cdktf";

/** Names cdktf itself writes at the top of the output directory: no artifact may take them. */
const CDKTF_OUTPUT_NAMES = new Set(["stacks", "manifest.json"]);

/** What one app has registered: every file by its path in the output directory. */
interface Registry {
  readonly files: Map<string, string>;
  /** Previous output directory to carry unchanged files over from (see `carryOverUnchangedArtifacts`). */
  previousOutdir?: string;
}

const registries = new WeakMap<IConstruct, Registry>();
const directories = new WeakMap<IConstruct, string>();
const stackFiles = new WeakMap<TerraformStack, Map<string, string>>();

/**
 * Files an app writes next to its stacks in the output directory (workflow YAML, alert rules, proxy configuration,
 * the pipeline diagram), so a reviewer can read them. Constructs register files; the stack they belong to writes
 * them when cdktf synthesizes it, so a consumer's own `app.synth()` (or `cdktf synth`) writes them too.
 *
 * Every file lives in the artifact directory of its stack: the stack's id unless the stack sets another with
 * `Artifacts.useDirectory` (the pipeline's stacks use the pipeline's prefix, or the output directory itself when the
 * pipeline has none). Two stacks therefore never write the same file.
 */
export class Artifacts {
  /** The artifacts of the stack (and the app) a construct belongs to. */
  public static of(scope: IConstruct): Artifacts {
    return new Artifacts(scope);
  }

  /**
   * Sets the directory, relative to the output directory, that the artifacts of `scope` and everything under it go
   * in ("" for the output directory itself). Call it before any construct under `scope` registers a file.
   */
  public static useDirectory(scope: IConstruct, directory: string): void {
    const normalized = directory.replace(/\\/g, "/").replace(/\/+$/, "");
    if (normalized !== "") checkRelative(normalized, "artifact directory");
    directories.set(scope, normalized);
  }

  /** The directory the artifacts of `scope` go in, relative to the output directory. */
  public static directoryOf(scope: IConstruct): string {
    for (let node: IConstruct | undefined = scope; node !== undefined; node = node.node.scope) {
      const directory = directories.get(node);
      if (directory !== undefined) return directory;
      if (TerraformStack.isStack(node)) return node.node.id;
    }
    return "";
  }

  private readonly registry: Registry;

  private constructor(private readonly scope: IConstruct) {
    const root = scope.node.root;
    let registry = registries.get(root);
    if (registry === undefined) {
      registry = { files: new Map() };
      registries.set(root, registry);
    }
    this.registry = registry;
  }

  /**
   * Registers a file at `relativePath` in the artifact directory of this scope's stack; returns its path relative to
   * the output directory. Two different contents for one path is a bug and throws.
   */
  public add(relativePath: string, content: string): string {
    checkRelative(relativePath.replace(/\\/g, "/"), "artifact path");
    const directory = Artifacts.directoryOf(this.scope);
    const file =
      directory === "" ? relativePath.replace(/\\/g, "/") : `${directory}/${relativePath.replace(/\\/g, "/")}`;
    if (CDKTF_OUTPUT_NAMES.has(file.split("/")[0])) {
      throw new Error(
        `artifact ${file} would overwrite cdktf's own output: give the stack another id or artifact directory`,
      );
    }
    const existing = this.registry.files.get(file);
    if (existing !== undefined && existing !== content) {
      throw new Error(`artifact ${file} was registered twice with different content`);
    }
    this.registry.files.set(file, content);
    writerFiles(this.scope, this.registry).set(file, content);
    return file;
  }

  /**
   * Every file the app registered, sorted by path in code-point order: the same on every machine, whatever its
   * locale (`localeCompare` would also load ICU's collation data, about 10 ms).
   */
  public entries(): Array<[string, string]> {
    return [...this.registry.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/**
 * Makes the app's synth link each artifact whose bytes did not change to the file in `previousOutdir` instead of
 * writing it (see `writeArtifact`). For `synthesizePipeline`, which synthesizes into a fresh directory and swaps it in.
 */
export function carryOverUnchangedArtifacts(app: IConstruct, previousOutdir: string): void {
  const root = app.node.root;
  let registry = registries.get(root);
  if (registry === undefined) {
    registry = { files: new Map() };
    registries.set(root, registry);
  }
  registry.previousOutdir = previousOutdir;
}

function checkRelative(relativePath: string, what: string): void {
  if (
    relativePath === "" ||
    relativePath.startsWith("/") ||
    /^[A-Za-z]:/.test(relativePath) ||
    relativePath.split("/").some((part) => part === ".." || part === "." || part === "")
  ) {
    throw new Error(`${what} ${relativePath} must be relative and stay inside the output directory`);
  }
}

/**
 * The files of `scope`'s stack. With the stack's first artifact, the stack's synthesizer (cdktf's public extension
 * point for how a stack is written) is wrapped: it writes the stack as before, then the stack's files, into the
 * output directory of that synth.
 */
function writerFiles(scope: IConstruct, registry: Registry): Map<string, string> {
  const stack = TerraformStack.of(scope);
  let files = stackFiles.get(stack);
  if (files === undefined) {
    const filesOfStack = new Map<string, string>();
    files = filesOfStack;
    stackFiles.set(stack, files);
    const stackSynthesizer: IStackSynthesizer = stack.synthesizer;
    stack.synthesizer = {
      synthesize(session: ISynthesisSession): void {
        stackSynthesizer.synthesize(session);
        for (const [file, content] of filesOfStack) {
          writeArtifact(
            path.join(session.outdir, file),
            registry.previousOutdir === undefined ? undefined : path.join(registry.previousOutdir, file),
            content,
          );
        }
      },
    };
  }
  return files;
}

/**
 * Writes one artifact. When the previous output holds a regular file with the same bytes at the same path, and
 * nothing else links to it, the new output gets a hard link to that file instead of a copy (as webpack's
 * compareBeforeEmit skips unchanged files): the unchanged file keeps its modification time, so tools that watch or
 * sync the output see only what changed. Anything else writes the file.
 */
function writeArtifact(file: string, previousFile: string | undefined, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (previousFile !== undefined && unchangedFile(previousFile, content)) {
    try {
      fs.linkSync(previousFile, file);
      return;
    } catch {
      // A file system without hard links, or another device: write the file.
    }
  }
  fs.writeFileSync(file, content);
}

function unchangedFile(file: string, content: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile() || stat.nlink !== 1 || stat.size !== Buffer.byteLength(content)) return false;
  return fs.readFileSync(file, "utf8") === content;
}
