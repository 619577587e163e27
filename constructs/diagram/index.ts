export * from "./pipeline-diagram";
export * from "./pipeline-diagram-model";
export { renderMermaidFlowchart } from "./mermaid";
