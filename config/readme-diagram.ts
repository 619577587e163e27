import { pipelineDiagramMermaid } from "../constructs/diagram/pipeline-diagram";
import type { PipelineConfig } from "./types";

const START = "<!-- pipeline-diagram:start -->";
const END = "<!-- pipeline-diagram:end -->";

/** The README with its pipeline diagram (between the markers) regenerated from a config. */
export function readmeWithPipelineDiagram(readme: string, config: PipelineConfig): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START} and ${END}`);
  const block = ["```mermaid", pipelineDiagramMermaid(config).trimEnd(), "```"].join("\n");
  return `${readme.slice(0, start + START.length)}\n${block}\n${readme.slice(end)}`;
}
