/**
 * Reading V8 CPU profiles (`node --cpu-prof`) for `npm run bench`: self time per package or project folder.
 * Pure functions over the profile's JSON, so that they can be tested on a profile written by hand.
 */
import { fileURLToPath } from "url";

/** The parts of a `.cpuprofile` file that the attribution reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
    /** The nodes called from this one: a node's parent is the node that lists it. */
    readonly children?: readonly number[];
  }>;
  /** The node each sample landed in, in time order. */
  readonly samples: readonly number[];
  /** Microseconds since the previous sample, one per sample. */
  readonly timeDeltas: readonly number[];
}

/** V8's pseudo-frames, named for a reader. `(root)` never holds samples; `(idle)` is time the process waited. */
const PSEUDO_FRAMES: Readonly<Record<string, string>> = {
  "(garbage collector)": "garbage collection",
  "(program)": "V8 and Node outside JavaScript (compiling, parsing, deserializing)",
  "(idle)": "idle (waiting on the file system or a child)",
  "(root)": "(root)",
};

/**
 * Which package a loaded file belongs to: the package under the last `node_modules/` (scoped packages keep their
 * scope), else `project <folder>` (two levels deep) for files under `projectDist`, else `node builtins`.
 * Self-contained (no imports, no closures): the bench also injects its source into a preloaded probe.
 */
export function packageOf(file: string, projectDist: string): string {
  const at = file.lastIndexOf("node_modules/");
  if (at >= 0) {
    const parts = file.slice(at + "node_modules/".length).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (!file.startsWith("/")) return "node builtins";
  const prefix = projectDist.endsWith("/") ? projectDist : `${projectDist}/`;
  if (!file.startsWith(prefix)) return "outside the project";
  const relative = file.slice(prefix.length).split("/");
  return `project ${relative.length > 2 ? relative.slice(0, 2).join("/") : relative[0]}`;
}

/**
 * Who a profile frame's time is charged to: a pseudo-frame's reading, regular expressions (V8 runs them as frames
 * of their own, without the caller's script), or the package of its script; Node's native functions, such as the
 * file system's, are node builtins.
 */
export function frameOwner(
  frame: { readonly functionName: string; readonly url: string },
  projectDist: string,
): string {
  if (frame.url === "") {
    if (frame.functionName.startsWith("RegExp: ")) return "regular expressions (any package)";
    return PSEUDO_FRAMES[frame.functionName] ?? "node builtins";
  }
  if (frame.url.startsWith("file://")) return packageOf(fileURLToPath(frame.url), projectDist);
  return packageOf(frame.url, projectDist);
}

/**
 * Self time in milliseconds per owner, largest first. Every sample is charged to the frame it landed in.
 * With `within`, only samples taken inside a call of the function of that name count, plus garbage collection,
 * which V8 reports outside every call.
 */
export function selfTimeByOwner(
  profile: CpuProfile,
  projectDist: string,
  within?: string,
): Array<[owner: string, ms: number]> {
  if (profile.samples.length !== profile.timeDeltas.length) {
    throw new Error(
      `not a CPU profile: ${profile.samples.length} samples but ${profile.timeDeltas.length} time deltas`,
    );
  }
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const counts = (id: number): boolean => {
    if (within === undefined || nodes.get(id)!.callFrame.functionName === "(garbage collector)") return true;
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      if (nodes.get(at)!.callFrame.functionName === within) return true;
    }
    return false;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    if (node === undefined)
      throw new Error(`not a CPU profile: sample ${index} lands in node ${id}, which it does not list`);
    if (!counts(id)) return;
    const owner = frameOwner(node.callFrame, projectDist);
    totals.set(owner, (totals.get(owner) ?? 0) + profile.timeDeltas[index] / 1000);
  });
  return [...totals].sort(([ownerA, a], [ownerB, b]) => b - a || (ownerA < ownerB ? -1 : 1));
}
