/** Renders a `PlanReview` as the Markdown a reviewer reads: in a terminal, or as a pull-request comment. */
import type {
  ArtifactChange,
  AttributeChange,
  BlockAction,
  BlockChange,
  PlanReview,
  SideStatus,
  StackReview,
} from "./plan-model";
import { documentText } from "./plan-diff";
import { Sensitive, SENSITIVE_TEXT } from "./sensitive";

export interface RenderOptions {
  /** Longest report, in characters (GitHub comments hold 65,536): past it, line diffs are left out, then the end is cut. @default - no limit */
  readonly maxLength?: number;
  /** How to run the review locally, named where something was left out. @default "npm run review" */
  readonly command?: string;
  /** Where the full report is (the plan-review run's artifacts), linked where something was cut. @default - only the command is named */
  readonly fullReportUrl?: string;
}

/** Inline values longer than this are cut (the full value is in the synthesized stack). */
const MAX_INLINE_VALUE = 300;

const ACTION_TITLES: Record<BlockAction, string> = {
  destroy: "🗑️ Destroy",
  replace: "♻️ Replace",
  "may-replace": "⚠️ Update, may replace",
  update: "✏️ Update in place",
  move: "🚚 Move (state only, nothing changes)",
  create: "➕ Create",
  read: "🔎 Look up",
  forget: "Stop looking up",
};

/**
 * The report; with a length limit, line diffs are left out first, then each section (a stack, the generated files)
 * is cut to its share of what the summary leaves, so every stack keeps its heading and its first changes, and the
 * summary table and the items needing attention always come first, whole.
 */
export function renderReviewMarkdown(review: PlanReview, options: RenderOptions = {}): string {
  const command = options.command ?? "npm run review";
  const full = joinReport(renderParts(review, { documentBodies: true, command }));
  if (options.maxLength === undefined || full.length <= options.maxLength) return full;
  const compactParts = renderParts(review, { documentBodies: false, command });
  const compact = joinReport(compactParts);
  if (compact.length <= options.maxLength) return compact;
  return budgeted(compactParts, options.maxLength, command, options.fullReportUrl);
}

interface RenderContext {
  readonly documentBodies: boolean;
  readonly command: string;
}

/** A report in parts: what always comes whole (title, warnings, summary, attention), then one section per stack and for the generated files. */
interface ReportParts {
  readonly head: string;
  readonly sections: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  readonly tail: string;
}

function joinReport(parts: ReportParts): string {
  return `${[parts.head, ...parts.sections.map((section) => section.text), parts.tail]
    .filter((text) => text !== "")
    .join("\n\n")
    .trimEnd()}\n`;
}

/** Every section cut to an equal share of the room the head leaves (a short section gives its unused share to the others). */
function budgeted(parts: ReportParts, maxLength: number, command: string, fullReportUrl: string | undefined): string {
  const where = fullReportUrl
    ? `the full report is in [the plan-review run's artifacts](${fullReportUrl}), or run \`${command}\` locally`
    : `run \`${command}\` locally for all of it`;
  const head =
    parts.head.length > maxLength / 2
      ? truncate(parts.head, Math.floor(maxLength / 2), `\n\n… the summary was cut here; ${where}.\n`)
      : parts.head;
  let room = maxLength - head.length - parts.tail.length - 4 * (parts.sections.length + 2);
  const sections: string[] = [];
  const remaining = [...parts.sections];
  while (remaining.length > 0) {
    const share = Math.floor(room / remaining.length);
    const section = remaining.shift() as { name: string; text: string };
    const text =
      section.text.length <= share
        ? section.text
        : truncate(section.text, share, `\n\n… the details of ${section.name} were cut here to fit; ${where}.\n`);
    sections.push(text.trimEnd());
    room -= text.length;
  }
  return joinReport({
    head,
    sections: sections.map((text, index) => ({ name: parts.sections[index].name, text })),
    tail: parts.tail,
  });
}

function renderParts(review: PlanReview, context: RenderContext): ReportParts {
  const out: string[] = [`## Plan review: ${sideTitle(review.base)} → ${sideTitle(review.head)}`, ""];
  out.push(
    "Synthesized offline and without credentials: what the code and config change in each stack's Terraform. Values only known at apply time (computed attributes, drift) are not shown.",
    "",
  );
  if (!review.head.synthesized) {
    out.push(
      `> [!CAUTION]`,
      `> **${review.head.label} could not be synthesized**, so there is nothing to review yet:`,
      "",
      fenced(review.head.reason, "text"),
      "",
    );
    return { head: out.join("\n").trimEnd(), sections: [], tail: "" };
  }
  if (!review.base.synthesized) {
    out.push(
      `> [!WARNING]`,
      `> **The base ${review.base.label} could not be synthesized**, so every resource below is shown as added (it may already exist). Reason:`,
      "",
      fenced(review.base.reason, "text"),
      "",
    );
  }
  out.push(...summaryTable(review.stacks), "");
  const attention = attentionItems(review.stacks);
  if (attention.length > 0) out.push("### ⚠️ Needs attention", "", ...attention, "");
  const sections = review.stacks
    .filter((stack) => stack.status !== "unchanged")
    .map((stack) => ({ name: `stack ${stack.name}`, text: renderStack(stack, context).join("\n").trimEnd() }));
  if (review.artifacts.length > 0) {
    const files = ["### Generated files", ""];
    for (const artifact of review.artifacts) files.push(...renderArtifact(artifact, context), "");
    sections.push({ name: "the generated files", text: files.join("\n").trimEnd() });
  }
  const nothing = review.stacks.every((stack) => stack.status === "unchanged") && review.artifacts.length === 0;
  return { head: out.join("\n").trimEnd(), sections, tail: nothing ? "No changes." : "" };
}

function sideTitle(side: SideStatus): string {
  return side.commit ? `${side.label} (${side.commit.slice(0, 7)})` : side.label;
}

function summaryTable(stacks: readonly StackReview[]): string[] {
  const rows = stacks.map((stack) => {
    const resources = stack.changes.filter((change) => change.kind === "resource");
    const count = (...actions: BlockAction[]) => resources.filter((change) => actions.includes(change.action)).length;
    const other = stack.changes.length - resources.length;
    const status = { added: "new stack", removed: "**removed from the app**", changed: "", unchanged: "no changes" }[
      stack.status
    ];
    return `| ${code(stack.name)} | ${count("destroy")} | ${count("replace", "may-replace")} | ${count("update")} | ${count("move")} | ${count("create")} | ${other} | ${status} |`;
  });
  return [
    "| Stack | Destroy | Replace | Update | Move | Create | Lookups & settings | |",
    "|:--|--:|--:|--:|--:|--:|--:|:--|",
    ...rows,
  ];
}

/** Destroys, replacements, removals inside updates, backend moves and removed stacks: listed before anything else. */
function attentionItems(stacks: readonly StackReview[]): string[] {
  const items: string[] = [];
  for (const stack of stacks) {
    if (stack.status === "removed") {
      const count = stack.changes.filter((change) => change.kind === "resource").length;
      items.push(
        `- ${code(stack.name)}: **stack removed from the app** — \`cdktf deploy\` no longer manages its ${count} resource(s); they stay deployed unless you run \`cdktf destroy ${stack.name}\` from the base first.`,
      );
      continue;
    }
    for (const change of stack.changes) {
      if (change.kind === "resource" && change.action === "destroy")
        items.push(`- ${code(stack.name)}: **destroy** ${code(change.address)}`);
      else if (change.kind === "resource" && change.action === "replace")
        items.push(
          `- ${code(stack.name)}: **replace** ${code(change.address)} (forced by ${forcingAttributes(change, "replaces")})`,
        );
      else if (change.kind === "resource" && change.action === "may-replace")
        items.push(`- ${code(stack.name)}: **may replace** ${code(change.address)} (${mayForce(change)})`);
      if (
        change.kind === "resource" &&
        (change.action === "update" || change.action === "may-replace" || change.action === "replace")
      ) {
        for (const removed of change.attributes.filter(isRemovedPart))
          items.push(`- ${code(stack.name)}: **removes** ${code(removed.path)} from ${code(change.address)}`);
      }
      if (change.kind === "backend" && change.action !== "create")
        items.push(
          `- ${code(stack.name)}: **state backend changes** — ${change.notes.join("; ") || "check where the state lives"}`,
        );
    }
  }
  return items;
}

function isRemovedPart(attribute: AttributeChange): boolean {
  return (
    attribute.after === undefined &&
    attribute.before !== null &&
    typeof attribute.before === "object" &&
    !(attribute.before instanceof Sensitive)
  );
}

/** What forces a replacement: the block's own attributes, then those reading a replaced resource (`name` reads `terraform_data.g.id`). */
function forcingAttributes(change: BlockChange, verdict: "replaces" | "may-replace"): string {
  return [...ownForcing(change, verdict), ...followedReplacements(change, verdict === "replaces")].join(", ");
}

function mayForce(change: BlockChange): string {
  const own = ownForcing(change, "may-replace");
  const followed = followedReplacements(change, false).map((reason) => `${reason}, which may change`);
  return [
    ...(own.length > 0 ? [`${own.join(", ")}: the provider's behaviour is not known here`] : []),
    ...followed,
  ].join("; ");
}

function ownForcing(change: BlockChange, verdict: "replaces" | "may-replace"): string[] {
  return [
    ...new Set(
      change.attributes
        .filter((attribute) => attribute.replacement === verdict)
        .map((attribute) => /^[^.[]+/.exec(attribute.path)?.[0] ?? attribute.path),
    ),
  ].map(code);
}

function followedReplacements(change: BlockChange, certain: boolean): string[] {
  return (change.replacedWith ?? [])
    .filter((cause) => cause.certain === certain)
    .map((cause) => `${code(cause.attribute)} reading ${code(`${cause.resource}.${cause.reads}`)}`);
}

function renderStack(stack: StackReview, context: RenderContext): string[] {
  const title = { added: " (new stack)", removed: " (removed from the app)", changed: "", unchanged: "" }[stack.status];
  const out = [`### Stack ${code(stack.name)}${title}`, ""];
  if (stack.status === "removed") {
    out.push(
      "Nothing in the app plans this stack any more: its resources stay deployed, and in its state, until destroyed from the base.",
      "",
    );
  }
  let section: string | undefined;
  for (const change of stack.changes) {
    const heading =
      change.kind === "resource"
        ? ACTION_TITLES[change.action]
        : change.kind === "data"
          ? "🔎 Lookups (data sources: read, never changed)"
          : "⚙️ Inputs and settings";
    if (heading !== section) {
      if (out[out.length - 1] !== "") out.push("");
      out.push(`#### ${heading}`, "");
      section = heading;
    }
    out.push(...renderBlock(change, stack.status, context));
  }
  return out;
}

function renderBlock(change: BlockChange, stackStatus: StackReview["status"], context: RenderContext): string[] {
  const where = change.constructPath ? ` · ${code(change.constructPath)}` : "";
  const verb =
    change.kind === "resource" || change.kind === "data"
      ? ""
      : `${{ create: "added", destroy: "removed" }[change.action as "create" | "destroy"] ?? "changed"}: `;
  const out = [`- ${verb}${code(change.address)}${where}`];
  for (const note of change.notes) out.push(`  - ℹ️ ${note}`);
  // A destroyed block's old attributes matter less than what replaces them: list them folded.
  const folded = change.action === "destroy" || change.action === "forget" || stackStatus === "removed";
  const attributes = change.attributes.flatMap((attribute) => renderAttribute(attribute, change.action, context));
  if (attributes.length === 0) return out;
  if (folded)
    out.push("", "  <details><summary>attributes before</summary>", "", ...attributes, "", "  </details>", "");
  else out.push(...attributes);
  return out;
}

function renderAttribute(attribute: AttributeChange, action: BlockAction, context: RenderContext): string[] {
  const name = code(attribute.path);
  const flag =
    attribute.replacement === "replaces"
      ? " — **forces replacement**"
      : attribute.replacement === "may-replace"
        ? " — may force replacement"
        : "";
  // Whole blocks (new, removed) list their values; changed ones, before → after.
  const listsValues =
    action === "destroy" ||
    action === "forget" ||
    ((action === "create" || action === "read") && attribute.before === undefined);
  if (attribute.document) {
    const { diff, language } = attribute.document;
    const counts = `+${diff.addedLines} −${diff.removedLines} lines`;
    if (listsValues) {
      const text = attribute.document.diff.text
        .split("\n")
        .filter((line) => !line.startsWith("@@"))
        .map((line) => line.slice(1))
        .join("\n");
      const summary = `  - ${name}: ${language.toUpperCase()} document (${action === "destroy" || action === "forget" ? diff.removedLines : diff.addedLines} lines)${flag}`;
      if (!context.documentBodies || action === "destroy" || action === "forget") return [summary];
      return [summary, ...collapsedDocument(text, language, 4)];
    }
    const summary = `  - ${name}: ${language.toUpperCase()} changed (${counts})${flag}`;
    if (!context.documentBodies)
      return [`${summary} — diff left out to fit; run \`${context.command}\` locally to see it`];
    return [summary, "", indent(fenced(diff.text, "diff"), 4), ""];
  }
  if (listsValues) return [`  - ${name} = ${value(attribute.after ?? attribute.before)}`];
  if (attribute.before === undefined) {
    if (!isPlainObject(attribute.after)) return [`  - ${name}: added ${value(attribute.after)}${flag}`];
    return [
      `  - ${name}: added${flag}`,
      ...leaves(attribute.after).flatMap(([path, leaf]) => addedLeaf(path, leaf, context)),
    ];
  }
  if (attribute.after === undefined)
    return [
      `  - ${name}: **removed**${isPlainObject(attribute.before) ? "" : ` (was ${value(attribute.before)})`}${flag}`,
    ];
  const listChange = scalarListChange(attribute.before, attribute.after);
  if (listChange) return [`  - ${name}: ${listChange}${flag}`];
  const bothMasked =
    attribute.before instanceof Sensitive &&
    attribute.after instanceof Sensitive &&
    attribute.before.display === attribute.after.display;
  return [
    `  - ${name}: ${value(attribute.before)} → ${value(attribute.after)}${bothMasked ? " (the value behind it changes)" : ""}${flag}`,
  ];
}

function renderArtifact(artifact: ArtifactChange, context: RenderContext): string[] {
  const verb = { create: "new", update: "changed", destroy: "removed" }[artifact.action];
  const counts = `+${artifact.diff.addedLines} −${artifact.diff.removedLines} lines`;
  const out = [`- ${code(artifact.path)}: ${verb} (${counts})`];
  const diagram = artifact.content === undefined ? undefined : /```mermaid\n[\s\S]*?\n```/.exec(artifact.content)?.[0];
  if (diagram && artifact.action !== "destroy") out.push("", indent(diagram, 2));
  if (context.documentBodies && artifact.action === "update") {
    out.push(
      "",
      "  <details><summary>diff</summary>",
      "",
      indent(fenced(artifact.diff.text, "diff"), 2),
      "",
      "  </details>",
    );
  }
  return out;
}

/** A change of a list of plain values, as what it adds and removes, when the whole lists would be hard to compare. */
function scalarListChange(before: unknown, after: unknown): string | undefined {
  if (
    !Array.isArray(before) ||
    !Array.isArray(after) ||
    [...before, ...after].some((item) => item !== null && typeof item === "object" && !(item instanceof Sensitive))
  )
    return undefined;
  // Short lists read best side by side.
  if (Math.max(before.length, after.length) <= 3 || value(before).length + value(after).length < 120) return undefined;
  const key = (item: unknown) => (item instanceof Sensitive ? `sensitive:${item.fingerprint}` : JSON.stringify(item));
  const remaining = new Map<string, number>();
  for (const item of before) remaining.set(key(item), (remaining.get(key(item)) ?? 0) + 1);
  const added: unknown[] = [];
  for (const item of after) {
    const count = remaining.get(key(item)) ?? 0;
    if (count > 0) remaining.set(key(item), count - 1);
    else added.push(item);
  }
  const removed = before.filter((item) => {
    const count = remaining.get(key(item)) ?? 0;
    if (count > 0) remaining.set(key(item), count - 1);
    return count > 0;
  });
  const parts = [
    ...(added.length > 0 ? [`adds ${added.map(value).join(", ")}`] : []),
    ...(removed.length > 0 ? [`removes ${removed.map(value).join(", ")}`] : []),
  ];
  return parts.length > 0
    ? `${parts.join("; ")} (${before.length} → ${after.length} items)`
    : `same ${after.length} items, reordered`;
}

/**
 * One value of an element added to a block (a rule added to a rule group): inline, or, when it is a document such as a
 * rule's query model held as a JSON string, pretty-printed like a created resource's documents.
 */
function addedLeaf(path: string, leaf: unknown, context: RenderContext): string[] {
  const document = documentText(leaf);
  if (document === undefined) return [`    - ${code(path)} = ${value(leaf)}`];
  const lines = document.text.replace(/\n$/, "").split("\n").length;
  const summary = `    - ${code(path)}: ${document.language.toUpperCase()} document (${lines} lines)`;
  if (!context.documentBodies) return [summary];
  return [summary, ...collapsedDocument(document.text, document.language, 6)];
}

/** A document's whole text under its summary line, folded away until opened. */
function collapsedDocument(text: string, language: string, spaces: number): string[] {
  const padding = " ".repeat(spaces);
  return [
    "",
    `${padding}<details><summary>content</summary>`,
    "",
    indent(fenced(text, language), spaces),
    "",
    `${padding}</details>`,
    "",
  ];
}

/** The leaves of an added block, with paths relative to it. */
function leaves(object: Record<string, unknown>, prefix = ""): Array<[string, unknown]> {
  return Object.entries(object).flatMap(([key, item]): Array<[string, unknown]> => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (isPlainObject(item)) return leaves(item, path);
    if (Array.isArray(item) && item.length > 0 && item.every(isPlainObject))
      return item.flatMap((element, index) => leaves(element as Record<string, unknown>, `${path}[${index}]`));
    return [[path, item]];
  });
}

function isPlainObject(item: unknown): item is Record<string, unknown> {
  return item !== null && typeof item === "object" && !Array.isArray(item) && !(item instanceof Sensitive);
}

/** A value inline: JSON for data, masked values as `(sensitive)`; long values cut. */
function value(raw: unknown): string {
  if (raw instanceof Sensitive && raw.display === SENSITIVE_TEXT) return "**(sensitive)**";
  const text = JSON.stringify(raw instanceof Sensitive ? raw.display : raw) ?? "null";
  return code(text.length > MAX_INLINE_VALUE ? `${text.slice(0, MAX_INLINE_VALUE)}…` : text);
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const padding = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${padding}${text}${padding}${fence}`;
}

function fenced(text: string, language: string): string {
  const longestRun = Math.max(2, ...(text.match(/^`{3,}/gm) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  return `${fence}${language}\n${text.replace(/\n$/, "")}\n${fence}`;
}

function indent(text: string, spaces: number): string {
  const padding = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line === "" ? line : padding + line))
    .join("\n");
}

/** Cuts a text at a line boundary to at most `maxLength` with its note, closing an open code fence. */
function truncate(report: string, maxLength: number, note: string): string {
  const lines = report.slice(0, Math.max(0, maxLength - note.length - 10)).split("\n");
  lines.pop();
  let openFence: string | undefined;
  for (const line of lines) {
    const fence = /^\s*(`{3,})/.exec(line)?.[1];
    if (!fence) continue;
    if (openFence === undefined) openFence = fence;
    else if (fence.length >= openFence.length && line.trim() === fence) openFence = undefined;
  }
  return `${lines.join("\n")}${openFence ? `\n${openFence}` : ""}${note}`;
}
