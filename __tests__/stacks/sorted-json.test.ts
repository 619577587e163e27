import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import sortedJson = require("../../stacks/private/sorted-json");
import { addPipelineStacks } from "../../stacks/pipeline";
import { temporaryDirectory } from "../helpers";
import { equivalenceConfigs } from "./support";

// The library itself, wrapped so that a test can tell whether the writer fell back on it.
jest.mock("json-stable-stringify", () => jest.fn(jest.requireActual<(...args: unknown[]) => unknown>("json-stable-stringify")));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const library = require("json-stable-stringify") as jest.Mock & ((value: unknown, options?: unknown) => string | undefined);

/** Writes `value` both ways; returns both texts and whether the writer handed the value to the library. */
function bothWays(value: unknown, options?: unknown): { library: string | undefined; writer: string | undefined; fellBack: boolean } {
  const expected = library(value, options);
  library.mockClear();
  const written = sortedJson(value, options as Parameters<typeof sortedJson>[1]);
  const fellBack = library.mock.calls.length > 0;
  library.mockClear();
  return { library: expected, writer: written, fellBack };
}

/** A deterministic pseudo-random source (mulberry32), so the generated documents are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ["a", "B", "b", "aa", "//", "_x", "z-1", "é", "Z", "😀", "\uffff", " ", "$ref", "tags", "name", "key with space", "-", ".", "~"];
const STRINGS = ["", "plain", "{}", "[]", '"quoted"', "back\\slash", "line\nbreak", "tab\t", "${var.x}", "ünïcode", "😀", "\u2028", '{\n  }', "null"];

function randomDocument(random: () => number, depth: number): unknown {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const roll = random();
  if (depth > 5 || roll < 0.35) {
    return pick<unknown>([...STRINGS, 0, -0, 1.5, -7, 1e21, 1e-7, NaN, Infinity, true, false, null, undefined, () => "function"]);
  }
  const size = Math.floor(random() * 5);
  if (roll < 0.6) return Array.from({ length: size }, () => randomDocument(random, depth + 1));
  const result: Record<string, unknown> = {};
  for (let index = 0; index < size; index++) result[pick(KEYS)] = randomDocument(random, depth + 1);
  return result;
}

describe("the sorted-JSON writer the bundled app gives cdktf", () => {
  test("writes every synthesized stack exactly as json-stable-stringify does, natively, without falling back", () => {
    for (const config of equivalenceConfigs()) {
      const app = new App({ outdir: temporaryDirectory("sorted-json"), stackTraces: false });
      const stacks = addPipelineStacks(app, config);
      for (const stack of [...stacks.environments, stacks.repository]) {
        // The document as cdktf hands it to the writer: keys in construction order, not sorted.
        const document = stack.toTerraform();
        const { library: expected, writer, fellBack } = bothWays(document, { space: 2 });
        expect(fellBack).toBe(false);
        expect(writer).toBe(expected);
        expect(expected!.length).toBeGreaterThan(1000);
      }
    }
  });

  test("empty objects and arrays at any depth keep the library's line break and indent between the brackets", () => {
    const value = { a: {}, b: [], c: { d: {}, e: [[], {}], f: { g: undefined, h: () => 1 } }, i: [{}, [{}]] };
    const { library: expected, writer, fellBack } = bothWays(value, { space: 2 });
    expect(fellBack).toBe(false);
    expect(writer).toBe(expected);
    expect(writer).toContain('"a": {\n  },');
    expect(writer).toContain('"f": {\n    }');
    for (const root of [{}, [], { only: undefined }]) expect(bothWays(root, { space: 2 })).toMatchObject({ fellBack: false, writer: library(root, { space: 2 }) });
  });

  test("a document with an array-index key, a NUL character or a marker lookalike is written by the library", () => {
    const cases: unknown[] = [
      { "10": 1, "9": 2, "//": 3, a: 4 },
      { nested: { "0": "first" } },
      { "4294967294": "largest index" },
      { text: "nul\u0000inside" },
      { ["key\u0000"]: 1 },
      { lookalike: "\u0000wtfb-empty:{1\u0000", empty: {} },
      { tail: 'quote"\u0000wtfb-empty:{1\u0000', empty: {} },
    ];
    for (const value of cases) {
      const { library: expected, writer, fellBack } = bothWays(value, { space: 2 });
      expect({ value, fellBack }).toEqual({ value, fellBack: true });
      expect(writer).toBe(expected);
    }
    // Not indices as V8 orders them: written natively, and the same.
    for (const value of [{ "4294967295": 1, "01": 2, "-1": 3, "1.5": 4, b: 5 }, { lookalike: "\\u0000wtfb-empty:{1\\u0000", empty: {} }]) {
      const { library: expected, writer, fellBack } = bothWays(value, { space: 2 });
      expect(fellBack).toBe(false);
      expect(writer).toBe(expected);
    }
  });

  test("toJSON, numbers, unicode key order and values JSON drops come out as the library writes them", () => {
    const value = {
      date: new Date(0),
      custom: { toJSON: () => ({ z: 1, a: [] }) },
      numbers: [0, -0, 1e21, 1e-7, NaN, -Infinity, 2 ** 53],
      dropped: [undefined, () => 1, Symbol("s")],
      [KEYS.join("")]: KEYS,
      ...Object.fromEntries(KEYS.map((key, index) => [key, index])),
    };
    const { library: expected, writer, fellBack } = bothWays(value, { space: 2 });
    expect(fellBack).toBe(false);
    expect(writer).toBe(expected);
  });

  test("every option the writer cannot honour natively goes to the library", () => {
    const value = { b: { y: [], x: 1 }, a: [{}] };
    const cmp = (left: { key: string }, right: { key: string }) => (left.key < right.key ? 1 : -1);
    for (const [options, native] of [
      [undefined, true],
      [{ space: 0 }, true],
      [{ space: 4 }, true],
      [{ space: "\t" }, true],
      [{ space: "--" }, true],
      [{ space: 11 }, false],
      [{ space: 2.5 }, false],
      [{ space: " ".repeat(12) }, false],
      [{ space: 2, cmp }, false],
      [cmp, false],
      [{ space: 2, cycles: true }, false],
    ] as Array<[unknown, boolean]>) {
      const { library: expected, writer, fellBack } = bothWays(value, options);
      expect({ options, fellBack }).toEqual({ options, fellBack: !native });
      expect(writer).toBe(expected);
    }
    for (const root of [undefined, "text", 3, null, () => 1]) expect(bothWays(root, { space: 2 }).writer).toBe(library(root, { space: 2 }));
  });

  test("a cycle is reported as the library reports it", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => library(cyclic, { space: 2 })).toThrow("Converting circular structure to JSON");
    expect(() => sortedJson(cyclic, { space: 2 })).toThrow("Converting circular structure to JSON");
  });

  test("2,000 generated documents are written byte for byte as the library writes them", () => {
    const random = seeded(20261126);
    let native = 0;
    for (let index = 0; index < 2000; index++) {
      const value = randomDocument(random, 0);
      const { library: expected, writer, fellBack } = bothWays(value, { space: index % 3 === 0 ? 4 : 2 });
      expect({ index, writer }).toEqual({ index, writer: expected });
      if (!fellBack) native++;
    }
    expect(native).toBe(2000);
  });

  test("the app's bundle carries the writer: cdktf's imports of the library were redirected to it", () => {
    const bundle = fs.readFileSync(path.join(__dirname, "..", "..", "dist", "app.bundle.js"), "utf8");
    expect(bundle).toContain("wtfb-empty:");
  });
});
