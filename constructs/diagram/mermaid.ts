/** Renders a `PipelineDiagram` as a Mermaid flowchart. */
import type { DiagramEdgeStyle, DiagramNodeShape, PipelineDiagram } from "./pipeline-diagram-model";

const SHAPES: Record<DiagramNodeShape, [open: string, close: string]> = {
  stadium: ["([", "])"],
  hexagon: ["{{", "}}"],
  diamond: ["{", "}"],
  box: ["[", "]"],
  rounded: ["(", ")"],
};

const ARROWS: Record<DiagramEdgeStyle, string> = { solid: "-->", thick: "==>", dotted: "-.->" };

/** Identifiers Mermaid reads as keywords, or that turn `---o`/`---x` into other edge kinds when they lead an id. */
const UNSAFE_ID = /^(end|graph|flowchart|subgraph|style|class|classDef|click|linkStyle|direction)$|^[ox]/i;

/** Renders the diagram top-down: refs, then each environment's stages, promotions between them. */
export function renderMermaidFlowchart(diagram: PipelineDiagram): string {
  const lines = ["flowchart TD"];
  for (const group of diagram.groups) {
    lines.push(`  subgraph ${checkedId(group.id)}[${quoted(group.title)}]`);
    for (const node of group.nodes) {
      const [open, close] = SHAPES[node.shape];
      lines.push(`    ${checkedId(node.id)}${open}${quoted(...node.lines)}${close}`);
    }
    lines.push("  end");
  }
  for (const edge of diagram.edges) {
    const label = edge.label === undefined ? "" : `|${quoted(edge.label)}|`;
    lines.push(`  ${checkedId(edge.from)} ${ARROWS[edge.style]}${label} ${checkedId(edge.to)}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * A label as a Mermaid quoted string, lines joined by `<br>`. Everything that could end the string, open an
 * entity, HTML tag or Markdown string is written as a numeric entity (`#34;`), which Mermaid decodes for display.
 */
function quoted(...lines: readonly string[]): string {
  return `"${lines.map(escapeMermaidText).join("<br>")}"`;
}

export function escapeMermaidText(text: string): string {
  return text.replace(/["#&<>`|\r\n\t]/g, (char) =>
    char === "\n" || char === "\r" || char === "\t" ? " " : `#${char.charCodeAt(0)};`,
  );
}

function checkedId(id: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(id) || UNSAFE_ID.test(id))
    throw new Error(`diagram id ${JSON.stringify(id)} is not a safe Mermaid identifier`);
  return id;
}
