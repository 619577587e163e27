/** `reviewPlan`: synthesizes a base ref and the working tree (or a head ref) side by side and compares them. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffSynthesizedApps } from "./plan-diff";
import type { PlanReview, SideStatus } from "./plan-model";
import { synthesizeGitRef, synthesizeWorkingTree, type SynthesisOutcome } from "./synthesize-source";

export interface ReviewOptions {
  /** Git ref of the base: a branch, tag or commit (`main`, `HEAD~1`, a pull request's base SHA). */
  readonly base: string;
  /** Git ref of the new side. @default - the working tree, uncommitted changes included */
  readonly head?: string;
  /** Project directory: where cdktf.json and the pipeline config are. @default process.cwd() */
  readonly projectDir?: string;
  /**
   * Where synths of commits are kept for the next review, or false for none. @default - $WTFB_REVIEW_CACHE, else
   * node_modules/.cache/wtfb-review in the project
   */
  readonly cache?: string | false;
}

/** The default cache of a project's reviews: $WTFB_REVIEW_CACHE, else inside its node_modules (none without one). */
export function defaultReviewCache(projectDir: string): string | false {
  const configured = process.env.WTFB_REVIEW_CACHE;
  if (configured !== undefined && configured !== "") return path.resolve(configured);
  const modules = path.join(projectDir, "node_modules");
  return fs.existsSync(modules) ? path.join(modules, ".cache", "wtfb-review") : false;
}

/** Synthesizes both sides in parallel, in a scratch directory removed afterwards, and compares them. */
export async function reviewPlan(options: ReviewOptions): Promise<PlanReview> {
  const projectDir = path.resolve(options.projectDir ?? process.cwd());
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-review-"));
  try {
    fs.mkdirSync(path.join(scratch, "base"));
    fs.mkdirSync(path.join(scratch, "head"));
    const cache = options.cache ?? defaultReviewCache(projectDir);
    // A head that cannot be synthesized leaves nothing to compare: the base's synth is stopped then.
    const stopBase = new AbortController();
    const headSide = (
      options.head === undefined
        ? synthesizeWorkingTree(projectDir, path.join(scratch, "head", "out"), { cache })
        : synthesizeGitRef(projectDir, options.head, path.join(scratch, "head"), { cache })
    ).then((outcome) => {
      if (!outcome.ok) stopBase.abort();
      return outcome;
    });
    const [base, head] = await Promise.all([
      synthesizeGitRef(projectDir, options.base, path.join(scratch, "base"), { cache, signal: stopBase.signal }),
      headSide,
    ]);
    const baseStatus = sideStatus(options.base, base);
    const headStatus = sideStatus(options.head ?? "working tree", head);
    if (!head.ok) return { base: baseStatus, head: headStatus, stacks: [], artifacts: [] };
    return { base: baseStatus, head: headStatus, ...diffSynthesizedApps(base.ok ? base.app : undefined, head.app) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function sideStatus(label: string, outcome: SynthesisOutcome): SideStatus {
  return outcome.ok
    ? { label, commit: outcome.commit, synthesized: true, cached: outcome.cached === true }
    : { label, commit: outcome.commit, synthesized: false, reason: outcome.reason };
}
