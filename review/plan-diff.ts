/**
 * Compares two synthesized apps block by block, as `terraform plan` would order its actions, but offline: no
 * state, no provider, no credentials. Values are masked before they are compared, so nothing sensitive reaches
 * the review, and a changed secret reference still shows as changed.
 */
import { ENVIRONMENT_NAMES } from "../config/environments";
import type {
  ArtifactChange,
  AttributeChange,
  BlockAction,
  BlockChange,
  BlockKind,
  DocumentChange,
  ReplacementCause,
  StackJson,
  StackReview,
  StackStatus,
  SynthesizedApp,
} from "./plan-model";
import { plannedInstances } from "./instances";
import { replacementVerdict } from "./replacement-rules";
import { maskSensitive, maskValue, Sensitive, sensitiveVariableNames } from "./sensitive";
import { unifiedDiff } from "./text-diff";

/** Compares every stack and artifact of `head` with `base`; without a base, everything in `head` is added. */
export function diffSynthesizedApps(
  base: SynthesizedApp | undefined,
  head: SynthesizedApp,
): { stacks: StackReview[]; artifacts: ArtifactChange[] } {
  const names = [...new Set([...Object.keys(base?.stacks ?? {}), ...Object.keys(head.stacks)])].sort(byStackOrder);
  const stacks = names.map((name) => diffStack(name, base?.stacks[name], head.stacks[name]));
  return { stacks, artifacts: diffArtifacts(base?.artifacts ?? {}, head.artifacts) };
}

/** Environments in promotion order, then the other stacks by name. */
function byStackOrder(a: string, b: string): number {
  const rank = (name: string) => {
    const index = (ENVIRONMENT_NAMES as readonly string[]).indexOf(name);
    return index < 0 ? ENVIRONMENT_NAMES.length : index;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

export function diffStack(name: string, base: StackJson | undefined, head: StackJson | undefined): StackReview {
  const after = head ? blocksOf(head) : new Map<string, Block>();
  const { blocks: before, movedTo } = moved(base ? blocksOf(base) : new Map<string, Block>(), after, head);
  const changes: BlockChange[] = [];
  for (const [address, block] of before) {
    const next = after.get(address);
    const from = movedTo.get(address);
    let change = next ? diffBlock(block, next) : removedBlock(block);
    if (from !== undefined && next) {
      const note = `state moves from \`${from}\` (a \`moved\` block)${change ? ", then the changes below apply" : ""}`;
      change = change
        ? { ...change, notes: [note, ...change.notes], movedFrom: from }
        : {
            kind: next.kind,
            address,
            type: next.type,
            constructPath: next.constructPath,
            action: "move",
            attributes: [],
            notes: [note],
            movedFrom: from,
          };
    }
    if (change) changes.push(change);
  }
  for (const [address, block] of after) {
    if (!before.has(address)) changes.push(addedBlock(block));
  }
  propagateReplacements(changes, before, after);
  changes.sort((a, b) => reviewRank(a) - reviewRank(b) || a.address.localeCompare(b.address));
  const status: StackStatus = !base ? "added" : !head ? "removed" : changes.length > 0 ? "changed" : "unchanged";
  return { name, status, changes };
}

/**
 * The base's blocks under the addresses the head gives them, as Terraform sees them before it plans: a resource the
 * head's `moved` blocks take from `from` (in the base only) to `to` (in the head only), and a lookup (data source)
 * the head makes under another address with the same arguments, which reads the same value. References in the
 * base are rewritten to match, so a container reading a moved image compares equal to the head's.
 */
function moved(
  before: Map<string, Block>,
  after: ReadonlyMap<string, Block>,
  head: StackJson | undefined,
): { blocks: Map<string, Block>; movedTo: Map<string, string> } {
  const renamed = new Map<string, string>();
  const movedTo = new Map<string, string>();
  const declared = Array.isArray(head?.moved) ? (head.moved as unknown[]) : [];
  for (const statement of declared) {
    if (!isRecord(statement) || typeof statement.from !== "string" || typeof statement.to !== "string") continue;
    const { from, to } = statement;
    if (!before.has(from) || after.has(from) || before.has(to) || !after.has(to)) continue;
    renamed.set(from, to);
    movedTo.set(to, from);
  }
  const lookups = (blocks: ReadonlyMap<string, Block>, others: ReadonlyMap<string, Block>) => {
    const byBody = new Map<string, string[]>();
    for (const [address, block] of blocks) {
      if (block.kind !== "data" || others.has(address)) continue;
      const key = `${block.type}\n${JSON.stringify(block.body)}`;
      byBody.set(key, [...(byBody.get(key) ?? []), address]);
    }
    return byBody;
  };
  const headLookups = lookups(after, before);
  for (const [key, addresses] of lookups(before, after)) {
    const matches = headLookups.get(key);
    if (addresses.length === 1 && matches?.length === 1) renamed.set(addresses[0], matches[0]);
  }
  if (renamed.size === 0) return { blocks: before, movedTo };
  const rewrite = (value: unknown, dependency: boolean): unknown => {
    if (typeof value === "string") {
      if (dependency) {
        // depends_on names resources, never instances: a move into a `for_each` resource depends on all of it.
        const target = renamed.get(value);
        return target === undefined ? value : target.replace(/\[[^\]]*\]$/, "");
      }
      return value.includes("${") ? value.replace(REFERENCE, (match: string) => renamed.get(match) ?? match) : value;
    }
    if (Array.isArray(value)) return value.map((element) => rewrite(element, dependency));
    if (isRecord(value))
      return Object.fromEntries(
        Object.entries(value).map(([key, element]) => [key, rewrite(element, key === "depends_on")]),
      );
    return value;
  };
  const blocks = new Map<string, Block>();
  for (const [address, block] of before) {
    const target = renamed.get(address) ?? address;
    blocks.set(target, { ...block, address: target, body: rewrite(block.body, false) });
  }
  return { blocks, movedTo };
}

/** A reference to a resource (`docker_image.web_image_1A2B3C4D`) or data source, as the base's addresses are written. */
const REFERENCE = /(?<![\w.\-"\]])(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w-]*(?:\["[^"\]]*"\])?/g;

/**
 * Replacements that follow from others, as Terraform plans them: a kept resource whose attribute forces replacement
 * and reads a replaced resource (a container named after `terraform_data.web_generation.id`) is replaced too, for
 * certain when it reads the replaced resource's `id`, possibly when it reads another of its attributes. Repeated
 * until nothing more follows.
 */
function propagateReplacements(
  changes: BlockChange[],
  before: ReadonlyMap<string, Block>,
  after: ReadonlyMap<string, Block>,
): void {
  const indexOf = new Map(changes.map((change, index) => [change.address, index]));
  for (let grew = true; grew;) {
    grew = false;
    const replaced = changes
      .filter(
        (change) => change.kind === "resource" && (change.action === "replace" || change.action === "may-replace"),
      )
      .map((change) => ({
        change,
        reference: new RegExp(`(?<![\\w.])${escapeRegExp(change.address)}\\.([A-Za-z0-9_]+)`),
      }));
    if (replaced.length === 0) return;
    for (const [address, block] of after) {
      const index = indexOf.get(address);
      const current = index === undefined ? undefined : changes[index];
      if (
        block.kind !== "resource" ||
        !before.has(address) ||
        !isRecord(block.body) ||
        (current && current.action !== "update" && current.action !== "may-replace")
      )
        continue;
      const causes = replacementCauses(block, replaced).filter(
        (cause) =>
          !current?.replacedWith?.some(
            (known) => known.attribute === cause.attribute && known.resource === cause.resource,
          ),
      );
      if (causes.length === 0) continue;
      const certain = causes.some((cause) => cause.certain);
      const action: BlockAction = certain || current?.action === "replace" ? "replace" : "may-replace";
      const notes = causes.map(
        (cause) =>
          `${cause.certain ? "replaced" : "may be replaced"} with \`${cause.resource}\`: its \`${cause.attribute}\` reads \`${cause.resource}.${cause.reads}\`, ` +
          (cause.certain ? "which the replacement gives a new value" : "which may change"),
      );
      const change: BlockChange = current
        ? {
            ...current,
            action,
            notes: [...current.notes, ...notes],
            replacedWith: [...(current.replacedWith ?? []), ...causes],
          }
        : {
            kind: block.kind,
            address,
            type: block.type,
            constructPath: block.constructPath,
            action,
            attributes: [],
            notes,
            replacedWith: causes,
          };
      if (index === undefined) {
        indexOf.set(address, changes.length);
        changes.push(change);
      } else changes[index] = change;
      grew = true;
    }
  }
}

/** The replaced resources an attribute of `block` that forces replacement reads. */
function replacementCauses(
  block: Block,
  replaced: ReadonlyArray<{ change: BlockChange; reference: RegExp }>,
): ReplacementCause[] {
  const causes: ReplacementCause[] = [];
  for (const [attribute, value] of Object.entries(block.body as Record<string, unknown>)) {
    const verdict = replacementVerdict(block.type, attribute, value, value);
    if (verdict === "in-place") continue;
    // The strings as Terraform reads them (a JSON text would escape the quotes of `blue["web"]`).
    const text = stringsOf(value).join("\n");
    for (const { change: other, reference } of replaced) {
      const reads = other.address === block.address ? undefined : reference.exec(text)?.[1];
      if (reads === undefined) continue;
      causes.push({
        attribute,
        resource: other.address,
        reads,
        certain: other.action === "replace" && reads === "id" && verdict === "replaces",
      });
    }
  }
  return causes;
}

function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (isRecord(value)) return Object.values(value).flatMap(stringsOf);
  return [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One block of a stack, masked, without cdktf's `//` metadata. */
interface Block {
  readonly kind: BlockKind;
  readonly address: string;
  readonly type: string;
  readonly constructPath?: string;
  readonly body: unknown;
}

function blocksOf(stack: StackJson): Map<string, Block> {
  const sensitiveVariables = sensitiveVariableNames(stack as { variable?: Record<string, { sensitive?: boolean }> });
  const blocks = new Map<string, Block>();
  const add = (kind: BlockKind, address: string, type: string, raw: unknown) => {
    const constructPath = (raw as { "//"?: { metadata?: { path?: string } } } | null)?.["//"]?.metadata?.path;
    let body = maskSensitive(type, withoutMetadata(raw), sensitiveVariables);
    if ((kind === "variable" || kind === "output") && isRecord(body) && body.sensitive === true)
      body = maskKeys(body, kind === "variable" ? "default" : "value");
    blocks.set(address, { kind, address, type, constructPath, body });
  };
  for (const [key, section] of Object.entries(stack)) {
    // `moved` blocks are no change of their own: they say where a block of the base now is (see `moved`).
    if (key === "moved" && Array.isArray(section)) continue;
    if (key === "//" || !isRecord(section)) {
      if (key !== "//") add("other", key, key, section);
      continue;
    }
    switch (key) {
      case "resource":
      case "data":
        for (const [type, instances] of Object.entries(section)) {
          for (const [name, body] of Object.entries(isRecord(instances) ? instances : {})) {
            for (const instance of plannedInstances(key === "data" ? `data.${type}.${name}` : `${type}.${name}`, body))
              add(key, instance.address, type, instance.body);
          }
        }
        break;
      case "variable":
        for (const [name, body] of Object.entries(section)) add("variable", `var.${name}`, "variable", body);
        break;
      case "output":
        for (const [name, body] of Object.entries(section)) add("output", `output.${name}`, "output", body);
        break;
      case "provider":
        for (const [name, body] of Object.entries(section)) add("provider", `provider.${name}`, name, body);
        break;
      case "terraform":
        for (const [setting, value] of Object.entries(section)) {
          if (setting === "backend" && isRecord(value)) add("backend", "backend", Object.keys(value).join(", "), value);
          else if (setting === "required_providers" && isRecord(value)) {
            for (const [provider, requirement] of Object.entries(value))
              add("terraform", `required_providers.${provider}`, provider, requirement);
          } else add("terraform", `terraform.${setting}`, setting, value);
        }
        break;
      default:
        add("other", key, key, section);
    }
  }
  return blocks;
}

function diffBlock(before: Block, after: Block): BlockChange | undefined {
  const attributes = diffValues("", before.body, after.body).map((change) =>
    before.kind === "resource"
      ? {
          ...change,
          replacement: replacementVerdict(before.type, topLevelAttribute(change.path), change.before, change.after),
        }
      : change,
  );
  if (attributes.length === 0) return undefined;
  let action: BlockAction = before.kind === "data" ? "read" : "update";
  if (attributes.some((change) => change.replacement === "replaces")) action = "replace";
  else if (attributes.some((change) => change.replacement === "may-replace")) action = "may-replace";
  const notes: string[] = [];
  if (before.kind === "backend") {
    notes.push(
      "the state backend changes: run `terraform init -migrate-state` in this stack before the next apply, or it starts from an empty state and creates everything again",
    );
  }
  if (before.kind === "terraform" && before.address.startsWith("required_providers."))
    notes.push("the provider requirement changes: the next deploy runs `terraform init -upgrade`");
  return {
    kind: after.kind,
    address: after.address,
    type: after.type,
    constructPath: after.constructPath ?? before.constructPath,
    action,
    attributes,
    notes,
  };
}

function addedBlock(block: Block): BlockChange {
  const notes: string[] = [];
  if (block.kind === "variable") {
    const name = block.address.slice("var.".length);
    const hasDefault = isRecord(block.body) && block.body.default !== undefined;
    if (!hasDefault) notes.push(`new input without a default: supply \`TF_VAR_${name}\` when deploying this stack`);
  }
  if (block.kind === "backend") notes.push("a state backend is configured for the first time");
  return {
    kind: block.kind,
    address: block.address,
    type: block.type,
    constructPath: block.constructPath,
    action: block.kind === "data" ? "read" : "create",
    attributes: flatten("", block.body).map(({ path, value }) => withDocument({ path, after: value })),
    notes,
  };
}

function removedBlock(block: Block): BlockChange {
  return {
    kind: block.kind,
    address: block.address,
    type: block.type,
    constructPath: block.constructPath,
    action: block.kind === "data" ? "forget" : "destroy",
    attributes: flatten("", block.body).map(({ path, value }) => ({ path, before: value })),
    notes: [],
  };
}

/** Resources by how much attention they need, then lookups, then stack settings. */
function reviewRank(change: BlockChange): number {
  if (change.kind === "resource") {
    const removesPart = change.attributes.some(
      (attribute) => attribute.before !== undefined && attribute.after === undefined,
    );
    const ranks: Partial<Record<BlockAction, number>> = {
      destroy: 0,
      replace: 1,
      "may-replace": 2,
      update: removesPart ? 3 : 4,
      move: 4.5,
      create: 5,
    };
    return ranks[change.action] ?? 5;
  }
  const kinds: Record<BlockKind, number> = {
    resource: 5,
    data: 6,
    backend: 7,
    provider: 8,
    terraform: 9,
    variable: 10,
    output: 11,
    other: 12,
  };
  return kinds[change.kind];
}

/**
 * Attribute-level differences. Objects are compared key by key; lists of objects element by element, matched by
 * an identifying attribute (`name`, `title`, `uid`, …) when every element has a distinct one, so removing one
 * alert rule shows as that rule removed rather than every later rule shifting by one.
 */
export function diffValues(path: string, before: unknown, after: unknown): AttributeChange[] {
  if (equal(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => diffValues(join(path, key), before[key], after[key]));
  }
  if (isObjectList(before) && isObjectList(after)) {
    const beforeElements = keyedElements(path, before, after);
    const afterElements = keyedElements(path, after, before);
    const changes: AttributeChange[] = [];
    for (const [elementPath, element] of beforeElements) {
      changes.push(
        ...(afterElements.has(elementPath)
          ? diffValues(elementPath, element, afterElements.get(elementPath))
          : [{ path: elementPath, before: element }]),
      );
    }
    for (const [elementPath, element] of afterElements) {
      if (!beforeElements.has(elementPath)) changes.push({ path: elementPath, after: element });
    }
    return changes;
  }
  return [withDocument({ path, before, after })];
}

/** Every leaf of a value with its path: how a created or destroyed block is listed. */
function flatten(path: string, value: unknown): Array<{ path: string; value: unknown }> {
  if (isRecord(value) && Object.keys(value).length > 0)
    return Object.entries(value).flatMap(([key, item]) => flatten(join(path, key), item));
  if (isObjectList(value) && value.length > 0)
    return [...keyedElements(path, value, [])].flatMap(([elementPath, element]) => flatten(elementPath, element));
  return [{ path, value }];
}

const IDENTITY_KEYS = [
  "name",
  "title",
  "uid",
  "ref_id",
  "context",
  "key",
  "secret_name",
  "variable_name",
  "label",
  "container_path",
  "internal",
];

/** Elements of a list by path: `rule[name="HighErrorRate"]` when an identity attribute works for both lists, else `rule[2]`. */
function keyedElements(
  path: string,
  list: readonly Record<string, unknown>[],
  other: readonly Record<string, unknown>[],
): Map<string, Record<string, unknown>> {
  const identity = IDENTITY_KEYS.find((key) => isIdentity(list, key) && isIdentity(other, key));
  return new Map(
    list.map((element, index) => [
      identity ? `${path}[${identity}=${JSON.stringify(element[identity])}]` : `${path}[${index}]`,
      element,
    ]),
  );
}

function isIdentity(list: readonly Record<string, unknown>[], key: string): boolean {
  const values = list.map((element) => element[key]);
  return (
    values.every((value) => typeof value === "string" || typeof value === "number") &&
    new Set(values).size === values.length
  );
}

/** Adds a line diff when the values are documents: multi-line text, or JSON objects and lists held as strings. */
function withDocument(change: AttributeChange): AttributeChange {
  const before = documentText(change.before);
  const after = documentText(change.after);
  if ((before === undefined && change.before !== undefined) || (after === undefined && change.after !== undefined))
    return change;
  if (before === undefined && after === undefined) return change;
  const language = before?.language ?? after!.language;
  const document: DocumentChange = { language, diff: unifiedDiff(before?.text ?? "", after?.text ?? "") };
  return { ...change, document };
}

/** A value as a document to show whole: a JSON object or list held as a string (pretty-printed), or multi-line text. */
export function documentText(value: unknown): { language: DocumentChange["language"]; text: string } | undefined {
  const raw = value instanceof Sensitive ? value.display : value;
  if (typeof raw !== "string") return undefined;
  // Shown as the file will read: Terraform's escapes of literal `${` and `%{` undone (interpolations stay).
  const text = raw.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed !== null && typeof parsed === "object")
        return { language: "json", text: `${JSON.stringify(parsed, null, 2)}\n` };
    } catch {
      // Not JSON: a multi-line string is still shown as text below.
    }
  }
  if (!text.includes("\n")) return undefined;
  return { language: /^(#.*\n|\s*\n)*[\w"'-]+:(\s|$)/.test(text) ? "yaml" : "text", text };
}

function diffArtifacts(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): ArtifactChange[] {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: ArtifactChange[] = [];
  for (const path of paths) {
    const old = before[path];
    const next = after[path];
    if (old === next) continue;
    const action = old === undefined ? "create" : next === undefined ? "destroy" : "update";
    changes.push({ path, action, content: next, diff: unifiedDiff(old ?? "", next ?? "") });
  }
  return changes;
}

/** Structural equality; masked values are equal when their fingerprints are. */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Sensitive || b instanceof Sensitive)
    return a instanceof Sensitive && b instanceof Sensitive && a.fingerprint === b.fingerprint;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && equal(a[key], b[key]));
  }
  return false;
}

function withoutMetadata(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const { "//": _metadata, ...rest } = value;
  return rest;
}

function maskKeys(body: Record<string, unknown>, key: string): Record<string, unknown> {
  return body[key] === undefined ? body : { ...body, [key]: maskValue(body[key]) };
}

function topLevelAttribute(path: string): string {
  return /^[^.[]+/.exec(path)?.[0] ?? path;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Sensitive);
}

function isObjectList(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.every(isRecord);
}
