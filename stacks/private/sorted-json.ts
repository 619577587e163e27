/**
 * json-stable-stringify's output, written by V8's own `JSON.stringify`.
 *
 * cdktf writes every stack with json-stable-stringify (keys sorted, two-space indent). That library builds the text
 * in JavaScript, one string per value; at 50 applications it was a tenth of synth. Here an object whose keys are not
 * in sorted order is copied with them inserted in that order (most already are, and are not copied), and
 * `JSON.stringify` writes the result natively. Its text differs from the library's in two places only, both handled:
 * - An empty object or array: the library puts a line break and the indent between the brackets ("{\n  }").
 *   The copy holds a marker string in its place, which the text then has replaced.
 * - A key that is an array index ("0", "17"): V8 lists such keys first, in numeric order, whatever the insertion
 *   order. A document with one is written by the library itself.
 * A document with a NUL character in any string (which a marker could be confused with), an option other than
 * `space`, a space longer than `JSON.stringify` supports, or nesting deeper than `MAX_DEPTH` (the library's cycle
 * check) is written by the library too. A test compares both on every synthesized stack and on the edge cases.
 *
 * The app's bundle has cdktf import this module where it imports json-stable-stringify (scripts/bundle.js).
 */
import stableStringify = require("json-stable-stringify");

type Options = Parameters<typeof stableStringify>[1];

/** Deeper than any Terraform document; a cycle or a deeper value goes to the library, which reports cycles. */
const MAX_DEPTH = 1000;
/** What `JSON.stringify` makes of a marker: `"\u0000wtfb-empty:{3\u0000"` is an empty object three levels deep. */
const MARKER_TEXT = /"\\u0000wtfb-empty:([{[])(\d+)\\u0000"/g;

/** Thrown inside the copy when the document must be written by the library. */
const FALLBACK: unique symbol = Symbol("write with json-stable-stringify");

/** `stableStringify(value, options)`, byte for byte. */
function sortedJson(value: unknown, options?: Options): string | undefined {
  const space = spaceOf(options);
  if (space === undefined) return stableStringify(value, options);
  let markers = 0;

  /**
   * The value as JSON.stringify must see it: objects with their keys in sorted order, empty objects and arrays as
   * markers, toJSON applied. A value that needs none of that is returned as it is, not copied: most objects in a
   * stack already list their keys in order. Undefined, functions and symbols stay where they are, since
   * JSON.stringify drops them from objects (and writes null in arrays) as the library does.
   */
  const normalize = (node: unknown, level: number): unknown => {
    // The library's test, truthiness first; it calls toJSON without the key, as here.
    if (node && typeof (node as { toJSON?: unknown }).toJSON === "function") node = (node as { toJSON: () => unknown }).toJSON();
    if (typeof node === "string") {
      if (node.includes("\u0000")) throw FALLBACK;
      return node;
    }
    if (typeof node !== "object" || node === null) return node;
    if (level >= MAX_DEPTH) throw FALLBACK;
    if (Array.isArray(node)) {
      if (node.length === 0) return marker("[", level);
      let result: unknown[] | undefined;
      for (let index = 0; index < node.length; index++) {
        const element: unknown = node[index];
        const written = normalize(element, level + 1);
        if (result === undefined && written !== element) result = node.slice(0, index);
        if (result !== undefined) result.push(written);
      }
      return result ?? node;
    }
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    let sorted = true;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      if (isArrayIndex(key) || key.includes("\u0000")) throw FALLBACK;
      if (index > 0 && keys[index - 1] > key) sorted = false;
    }
    if (!sorted) keys.sort();
    let result: Record<string, unknown> | undefined = sorted ? undefined : {};
    let written = 0;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const value = record[key];
      const child = normalize(value, level + 1);
      if (result === undefined && child !== value) {
        result = {};
        for (let before = 0; before < index; before++) result[keys[before]] = record[keys[before]];
      }
      if (result !== undefined) result[key] = child;
      if (child !== undefined && typeof child !== "function" && typeof child !== "symbol") written++;
    }
    return written === 0 ? marker("{", level) : (result ?? record);
  };

  const marker = (bracket: "{" | "[", level: number): string => {
    markers++;
    return `\u0000wtfb-empty:${bracket}${level}\u0000`;
  };

  let copied: unknown;
  try {
    copied = normalize(value, 0);
  } catch (error) {
    if (error === FALLBACK) return stableStringify(value, options);
    throw error;
  }
  const text = JSON.stringify(copied, null, space);
  if (markers === 0 || text === undefined) return text;
  return text.replace(MARKER_TEXT, (_, bracket: string, level: string) => `${bracket}${space === "" ? "" : "\n"}${space.repeat(Number(level))}${bracket === "{" ? "}" : "]"}`);
}

/** The indent both writers use, or undefined when only the library can honour the options. */
function spaceOf(options: Options): string | undefined {
  if (options === undefined) return "";
  if (typeof options !== "object" || options === null) return undefined;
  for (const key of Object.keys(options)) if (key !== "space") return undefined;
  const space = options.space || "";
  // JSON.stringify uses at most ten characters of indent; the library any number, and a fraction of a space too.
  if (typeof space === "number") return Number.isInteger(space) && space > 0 && space <= 10 ? " ".repeat(space) : undefined;
  return typeof space === "string" && space.length <= 10 ? space : undefined;
}

/** A key V8 orders as an array index: "0" or a canonical decimal below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57) return false;
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

export = sortedJson;
