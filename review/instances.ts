/**
 * The instances Terraform plans for a block with `for_each` over a map written out in the stack, each with the body
 * Terraform evaluates for it: `docker_container.blue` with `for_each = { web = {…}, api = {…} }` is
 * `docker_container.blue["web"]` and `docker_container.blue["api"]`, each with its `${each.key}` and
 * `${each.value.…}` filled in and its `dynamic` blocks expanded. The review compares instances, as the plan does,
 * so a reviewer sees which application a change touches.
 *
 * Only what is written out is filled in: `each.key`, and `each.value` followed by attribute names (`.name`) or
 * quoted keys (`["max-size"]`), as whole interpolations or as operands inside larger ones. A `for_each` given as an
 * expression (`${local.apps}`) leaves the block as it is, one entry for the whole resource.
 */

/** One planned instance: its address and its body. */
export interface PlannedInstance {
  readonly address: string;
  readonly body: unknown;
}

/** A whole interpolation that reads the iteration: `${each.key}`, `${each.value.name}`, `${ports.value}`. */
const WHOLE_READ = /^\$\{\s*([A-Za-z_][\w-]*)\.(key|value)((?:\.[A-Za-z_][\w-]*|\["[^"\\]*"\])*)\s*\}$/;
/** The same read as an operand inside a larger expression. */
const OPERAND_READ = /(?<![\w.\]"])([A-Za-z_][\w-]*)\.(key|value)((?:\.[A-Za-z_][\w-]*|\["[^"\\]*"\])*)(?![\w(])/g;

/** The instances of a resource or data source at `address` (`docker_container.blue`). */
export function plannedInstances(address: string, body: unknown): PlannedInstance[] {
  if (!isRecord(body) || !isRecord(body.for_each)) return [{ address, body }];
  const { for_each: map, ...rest } = body;
  return Object.keys(map)
    .sort()
    .map((key) => ({
      address: `${address}[${JSON.stringify(key)}]`,
      body: withoutNulls(expandDynamicBlocks(fillIn(rest, { each: { key, value: map[key] } }))),
    }));
}

/** An attribute or block argument set to null is one not set, to Terraform. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isRecord(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, element] of Object.entries(value))
    if (element !== null) result[key] = key === "//" ? element : withoutNulls(element);
  return result;
}

type Iterations = Readonly<Record<string, { readonly key: unknown; readonly value: unknown }>>;

/** `value` with every read of the iterations filled in where the value read is known. */
function fillIn(value: unknown, iterations: Iterations): unknown {
  if (typeof value === "string") return fillInString(value, iterations);
  if (Array.isArray(value)) return value.map((element) => fillIn(element, iterations));
  if (isRecord(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, element] of Object.entries(value))
      result[key] = key === "//" ? element : fillIn(element, iterations);
    return result;
  }
  return value;
}

function fillInString(text: string, iterations: Iterations): unknown {
  if (!text.includes("${")) return text;
  const whole = WHOLE_READ.exec(text);
  if (whole) {
    const read = readOf(iterations, whole[1], whole[2], whole[3]);
    return read.known ? read.value : text;
  }
  // A template: each interpolation that is exactly one read becomes its text; reads inside larger expressions
  // become literals (`substr("web", 0, 3)`).
  let out = "";
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf("${", index);
    if (start < 0) break;
    if (start > 0 && text[start - 1] === "$") {
      out += text.slice(index, start + 2);
      index = start + 2;
      continue;
    }
    const end = interpolationEnd(text, start + 2);
    if (end < 0) break;
    out += text.slice(index, start);
    const interpolation = text.slice(start, end + 1);
    const single = WHOLE_READ.exec(interpolation);
    const read = single ? readOf(iterations, single[1], single[2], single[3]) : undefined;
    if (
      read?.known &&
      (typeof read.value === "string" || typeof read.value === "number" || typeof read.value === "boolean")
    ) {
      out += String(read.value);
    } else {
      out += interpolation.replace(OPERAND_READ, (match, name: string, part: string, path: string) => {
        const operand = readOf(iterations, name, part, path);
        return operand.known && operand.value !== null && typeof operand.value !== "object"
          ? JSON.stringify(operand.value)
          : match;
      });
    }
    index = end + 1;
  }
  return out + text.slice(index);
}

/** Index of the `}` closing an interpolation whose expression starts at `from`, or -1. Skips string literals. */
function interpolationEnd(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === "\\") index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "{") depth += 1;
    else if (char === "}") {
      if (depth === 0) return index;
      depth -= 1;
    }
  }
  return -1;
}

function readOf(iterations: Iterations, name: string, part: string, path: string): { known: boolean; value?: unknown } {
  const iteration = iterations[name];
  if (!iteration) return { known: false };
  let value: unknown = part === "key" ? iteration.key : iteration.value;
  if (part === "key" && path !== "") return { known: false };
  for (const [, attribute, quoted] of path.matchAll(/\.([A-Za-z_][\w-]*)|\["([^"\\]*)"\]/g)) {
    if (!isRecord(value)) return { known: false };
    const step = attribute ?? quoted;
    if (!(step in value)) return { known: false };
    value = value[step];
  }
  return { known: true, value };
}

/**
 * `dynamic "ports" { for_each = [8080]; content {…} }` as the blocks it makes, once its `for_each` is a list or
 * map written out; a block whose `for_each` is still an expression stays dynamic.
 */
function expandDynamicBlocks(body: unknown): unknown {
  if (!isRecord(body) || !isRecord(body.dynamic)) return body;
  const dynamic: Record<string, unknown> = {};
  const result: Record<string, unknown> = { ...body };
  for (const [block, spec] of Object.entries(body.dynamic)) {
    const elements = isRecord(spec) ? spec.for_each : undefined;
    const iterator = isRecord(spec) && typeof spec.iterator === "string" ? spec.iterator : block;
    if (!isRecord(spec) || !(Array.isArray(elements) || isRecord(elements))) {
      dynamic[block] = spec;
      continue;
    }
    const entries: Array<[unknown, unknown]> = Array.isArray(elements)
      ? elements.map((element, index) => [index, element])
      : Object.entries(elements);
    const blocks = entries.map(([key, value]) => fillIn(spec.content, { [iterator]: { key, value } }));
    if (blocks.length > 0)
      result[block] = [...(Array.isArray(result[block]) ? (result[block] as unknown[]) : []), ...blocks];
  }
  if (Object.keys(dynamic).length > 0) result.dynamic = dynamic;
  else delete result.dynamic;
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
