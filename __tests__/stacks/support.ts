import * as path from "path";
import type { PipelineConfig } from "../../config/types";
import { synthesizePipeline } from "../../stacks/synthesize";
import { readTree, shippedConfig, temporaryDirectory } from "../helpers";

/** The configs a synth speed-up must not change the output of: the shipped one, and one with five applications. */
export function equivalenceConfigs(): PipelineConfig[] {
  const fiveApplications = shippedConfig((raw) => {
    const template = raw.applications[0];
    raw.applications = [
      template,
      ...["api", "worker", "admin", "docs"].map((name, index) => ({
        ...template,
        name,
        image: `ghcr.io/wtfb/${name}`,
        hostPort: 9000 + index,
      })),
    ];
  });
  return [shippedConfig(), fiveApplications];
}

/** Synthesizes the whole pipeline into a fresh directory; relative path → content. */
export function synthesizedFiles(config: PipelineConfig, prefix: string): Record<string, string> {
  const outdir = path.join(temporaryDirectory(prefix), "cdktf.out");
  synthesizePipeline({ config, outdir });
  return readTree(outdir);
}

/** The same files with the same bytes; a difference names its file. */
export function expectSameFiles(actual: Record<string, string>, expected: Record<string, string>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const file of Object.keys(expected))
    expect({ file, content: actual[file] }).toEqual({ file, content: expected[file] });
}
