import type { PipelineConfig } from "../../config/types";
import { renderMermaidFlowchart } from "./mermaid";
import { buildPipelineDiagram } from "./pipeline-diagram-model";

/** Path of the diagram artifact, relative to the output directory. */
export const PIPELINE_DIAGRAM_ARTIFACT = "pipeline.md";

/** The pipeline of a config as a Mermaid flowchart. */
export function pipelineDiagramMermaid(config: PipelineConfig): string {
  return renderMermaidFlowchart(buildPipelineDiagram(config));
}

/** `pipeline.md`: a one-line explanation and the flowchart in a ```mermaid block (GitHub renders it). */
export function pipelineDiagramMarkdown(config: PipelineConfig): string {
  return [
    "# Deployment pipeline",
    "",
    "Generated from the pipeline config by wtfb-deploy: git refs → environments → gates → strategy → verification; dotted arrows are the alert-driven rollback loop.",
    "",
    "```mermaid",
    pipelineDiagramMermaid(config).trimEnd(),
    "```",
    "",
  ].join("\n");
}
