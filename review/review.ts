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
}

/** Synthesizes both sides in parallel, in a scratch directory removed afterwards, and compares them. */
export async function reviewPlan(options: ReviewOptions): Promise<PlanReview> {
  const projectDir = path.resolve(options.projectDir ?? process.cwd());
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "wtfb-review-"));
  try {
    fs.mkdirSync(path.join(scratch, "base"));
    fs.mkdirSync(path.join(scratch, "head"));
    const [base, head] = await Promise.all([
      synthesizeGitRef(projectDir, options.base, path.join(scratch, "base")),
      options.head === undefined ? synthesizeWorkingTree(projectDir, path.join(scratch, "head", "out")) : synthesizeGitRef(projectDir, options.head, path.join(scratch, "head")),
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
  return outcome.ok ? { label, commit: outcome.commit, synthesized: true } : { label, commit: outcome.commit, synthesized: false, reason: outcome.reason };
}
