import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { ENVIRONMENT_NAMES } from "../config/environments";
import type { PipelineConfig } from "../config/types";
import { Artifacts, carryOverUnchangedArtifacts } from "../constructs/artifacts";
import { localStateWarning } from "./backend";
import { addPipelineStacks } from "./pipeline";

export interface SynthesizeOptions {
  /** The resolved pipeline config. */
  readonly config: PipelineConfig;
  /** Output directory. @default "cdktf.out" */
  readonly outdir?: string;
}

export interface SynthesizeResult {
  /** Names of the synthesized stacks. */
  readonly stacks: readonly string[];
  /** Artifact files written beside the stacks, relative to the output directory. */
  readonly artifacts: readonly string[];
  /** Things a user should know, e.g. a production stack on local state. */
  readonly warnings: readonly string[];
}

/**
 * Synthesizes every stack and artifact into a fresh directory beside `outdir`, then swaps it in. A failure at
 * any point leaves the previous output byte-for-byte as it was. Terraform's working files (.terraform,
 * the lock file) are carried over so a synth does not force a new `terraform init`. An artifact whose bytes did
 * not change since the previous output is carried over too, with its modification time (see constructs/artifacts.ts).
 */
export function synthesizePipeline(options: SynthesizeOptions): SynthesizeResult {
  const outdir = path.resolve(options.outdir ?? "cdktf.out");
  const next = `${outdir}.next-${process.pid}`;
  // An output directory in a folder that does not exist yet (CDKTF_OUTDIR=build/cdktf.out) gets its folder.
  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  let result: SynthesizeResult;
  try {
    fs.rmSync(next, { recursive: true, force: true });
    const app = new App({ outdir: next, stackTraces: false });
    carryOverUnchangedArtifacts(app, outdir);
    const stacks = addPipelineStacks(app, options.config);
    app.synth();
    const artifacts = Artifacts.of(app).entries();
    result = {
      stacks: [...stacks.environments, stacks.repository].map((stack) => stack.node.id),
      artifacts: artifacts.map(([relativePath]) => relativePath),
      warnings: localStateWarnings(options.config),
    };
  } catch (error) {
    fs.rmSync(next, { recursive: true, force: true });
    throw error;
  }
  swapInto(next, outdir);
  return result;
}

function swapInto(next: string, outdir: string): void {
  const previous = `${outdir}.previous-${process.pid}`;
  fs.rmSync(previous, { recursive: true, force: true });
  if (fs.existsSync(outdir)) {
    carryOverTerraformWorkingFiles(outdir, next);
    fs.renameSync(outdir, previous);
  }
  fs.renameSync(next, outdir);
  fs.rmSync(previous, { recursive: true, force: true });
}

function carryOverTerraformWorkingFiles(from: string, to: string): void {
  const stacksDir = path.join(from, "stacks");
  if (!fs.existsSync(stacksDir)) return;
  for (const stack of fs.readdirSync(stacksDir)) {
    for (const entry of [".terraform", ".terraform.lock.hcl"]) {
      const source = path.join(stacksDir, stack, entry);
      const target = path.join(to, "stacks", stack, entry);
      if (fs.existsSync(source) && fs.existsSync(path.dirname(target)) && !fs.existsSync(target)) {
        fs.cpSync(source, target, { recursive: true });
      }
    }
  }
}

function localStateWarnings(config: PipelineConfig): string[] {
  return ENVIRONMENT_NAMES.filter(
    (name) => name !== "development" && config.environments[name].backend.type === "local",
  ).map((name) => localStateWarning(name, `environments.${name}.backend`));
}
