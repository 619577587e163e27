import { App, Fn, Lazy, TerraformLocal, TerraformOutput, TerraformStack, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { installFastResolve, uninstallFastResolve } from "../../stacks/private/fast-resolve";
import { temporaryDirectory } from "../helpers";
import { equivalenceConfigs, expectSameFiles, synthesizedFiles } from "./support";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tokensModule = require("cdktf/lib/_tokens") as { resolve: unknown };

/** Runs `build` once with cdktf's own resolver and once with the fast front; returns both results. */
function bothWays<T>(build: () => T): { cdktf: T; fast: T } {
  uninstallFastResolve();
  const cdktf = build();
  expect(installFastResolve()).toBe(true);
  try {
    return { cdktf, fast: build() };
  } finally {
    uninstallFastResolve();
  }
}

/** The error message `build` throws, or "no error". */
function messageOf(build: () => unknown): string {
  try {
    build();
    return "no error";
  } catch (error) {
    return (error as Error).message;
  }
}

/** One stack whose only local holds `value(scope)`; returns its synthesized document. */
function stackWithLocal(value: (scope: Construct) => unknown): unknown {
  const app = new App({ outdir: temporaryDirectory("fast-resolve-app"), stackTraces: false });
  const stack = new TerraformStack(app, "probe");
  new TerraformLocal(stack, "probe", value(stack));
  return stack.toTerraform();
}

/** Every kind of value cdktf resolves specially, beside plain data that must come out unchanged. */
function everyKindOfValue(scope: Construct): unknown {
  const text = new TerraformVariable(scope, "text", { type: "string" });
  const count = new TerraformVariable(scope, "count", { type: "number" });
  const names = new TerraformVariable(scope, "names", { type: "list(string)" });
  const sizes = new TerraformVariable(scope, "sizes", { type: "list(number)" });
  const tags = new TerraformVariable(scope, "tags", { type: "map(string)" });
  return {
    plain: { nested: { deeper: ["a", 1, true, null, { x: "y" }] }, empty: {}, emptyList: [] },
    dropped: { kept: "yes", gone: undefined, list: ["one", undefined, "two"] },
    interpolated: `prefix-${text.stringValue}-suffix`,
    number: count.numberValue,
    numberInString: `${Token.asString(count.numberValue)} replicas`,
    numberLookalikes: ["wtfb-e2e", "1e5", "v1.2e-3", "release-e+"],
    list: names.listValue,
    listElement: Fn.element(names.listValue, 0),
    numberList: Token.asNumberList(sizes.value),
    map: tags.value,
    function: Fn.join(",", [text.stringValue, "fixed"]),
    lazy: Lazy.stringValue({ produce: () => `lazy-${text.stringValue}` }),
    lazyAny: Lazy.anyValue({ produce: () => ({ inner: [count.numberValue, "plain"] }) }),
    [`key-${text.stringValue}`]: "a key holding a token",
    escaped: "${not.a.token} and $${literal}",
    wholeTokens: {
      reference: text.stringValue,
      toAnObject: Token.asString(Lazy.anyValue({ produce: () => ({ nested: [text.stringValue] }) })),
      toANumber: Token.asString(Lazy.anyValue({ produce: () => 42 })),
      toNumberLikeText: Lazy.stringValue({ produce: () => "1e5" }),
      toAnotherToken: Lazy.stringValue({ produce: () => text.stringValue }),
    },
    mixedList: ["plain", text.stringValue, `x-${text.stringValue}`, undefined, { inner: text.stringValue }, Token.asString(count.numberValue)],
    bigString: JSON.stringify({ panels: Array.from({ length: 50 }, (_, index) => ({ id: index, expr: `rate(x[5m]) > ${index}` })) }),
  };
}

describe("the fast front for cdktf's resolver", () => {
  afterAll(() => uninstallFastResolve());

  test("installing it replaces the resolver cdktf's stacks call, and uninstalling puts cdktf's back", () => {
    uninstallFastResolve();
    const original = tokensModule.resolve;
    expect(installFastResolve()).toBe(true);
    expect(tokensModule.resolve).not.toBe(original);
    uninstallFastResolve();
    expect(tokensModule.resolve).toBe(original);
  });

  test("every kind of token and plain value resolves exactly as cdktf resolves it", () => {
    const { cdktf, fast } = bothWays(() => stackWithLocal(everyKindOfValue));
    expect(fast).toEqual(cdktf);
    // The comparison means something only if the tokens were there and were resolved.
    const local = (cdktf as any).locals.probe;
    expect(local.interpolated).toBe("prefix-${var.text}-suffix");
    expect(local.number).toBe("${var.count}");
    expect(local.list).toBe("${var.names}");
    expect(local.function).toBe('${join(",", [var.text, "fixed"])}');
    expect(local.dropped).toEqual({ kept: "yes", list: ["one", "two"] });
    expect(local.numberLookalikes).toEqual(["wtfb-e2e", "1e5", "v1.2e-3", "release-e+"]);
    expect(local.wholeTokens).toEqual({ reference: "${var.text}", toAnObject: { nested: ["${var.text}"] }, toANumber: 42, toNumberLikeText: "1e5", toAnotherToken: "${var.text}" });
    expect(local.mixedList).toEqual(["plain", "${var.text}", "x-${var.text}", { inner: "${var.text}" }, "${var.count}"]);
    expect(JSON.stringify(fast)).not.toContain("TfToken");
  });

  test("the stack's document is resolved as cdktf resolves it: its own overrides, outputs, metadata and elements merged", () => {
    const build = (withOverrides: boolean) => () => {
      const app = new App({ outdir: temporaryDirectory("fast-resolve-document"), stackTraces: false });
      const stack = new TerraformStack(app, "document");
      const text = new TerraformVariable(stack, "text", { type: "string" });
      new TerraformLocal(stack, "first", { value: `a-${text.stringValue}` });
      new TerraformLocal(stack, "second", [text.stringValue, undefined]);
      new TerraformOutput(stack, "shown", { value: text.stringValue });
      if (withOverrides) {
        // Merged into the document after the elements, unresolved: the document's own resolution resolves them.
        stack.addOverride("locals.overridden", `b-${text.stringValue}`);
        stack.addOverride("locals.first", Lazy.anyValue({ produce: () => ({ value: [text.stringValue] }) }));
      }
      return stack.toTerraform() as any;
    };
    for (const withOverrides of [false, true]) {
      const { cdktf, fast } = bothWays(build(withOverrides));
      expect(fast).toEqual(cdktf);
      expect(JSON.stringify(fast)).not.toContain("TfToken");
      expect(fast["//"].metadata.stackName).toBe("document");
      expect(fast["//"].metadata).not.toHaveProperty("cloud");
      expect(fast.output.shown.value).toBe("${var.text}");
      expect(fast.locals.second).toEqual(["${var.text}"]);
      if (withOverrides) {
        expect(fast.locals.overridden).toBe("b-${var.text}");
        expect(fast.locals.first).toEqual({ value: ["${var.text}"] });
      } else {
        expect(fast.locals.first).toEqual({ value: "a-${var.text}" });
      }
    }
  });

  test("values cdktf refuses are refused with cdktf's own message", () => {
    const construct = (scope: Construct) => ({ wrapped: { here: new Construct(scope, "not-a-value") } });
    const listInString = (scope: Construct) => ({ text: `${new TerraformVariable(scope, "names", { type: "list(string)" }).listValue[0]}` });
    const deep = () => {
      let value: Record<string, unknown> = { leaf: "x" };
      for (let depth = 0; depth < 250; depth++) value = { level: value };
      return value;
    };
    const aFunction = () => ({ callback: () => "no" });
    for (const build of [construct, listInString, deep, aFunction]) {
      const { cdktf, fast } = bothWays(() => messageOf(() => stackWithLocal(build)));
      expect(cdktf).not.toBe("no error");
      expect(fast).toBe(cdktf);
    }
  });

  test("the whole pipeline synthesizes to the same files, byte for byte, for the shipped config and for five applications", () => {
    for (const config of equivalenceConfigs()) {
      const { cdktf, fast } = bothWays(() => synthesizedFiles(config, "fast-resolve-pipeline"));
      expectSameFiles(fast, cdktf);
      expect(cdktf["stacks/production/cdk.tf.json"]).toContain("${docker_image.");
    }
  });
});
