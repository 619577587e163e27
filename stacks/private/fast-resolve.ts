/**
 * A faster front for cdktf's token resolution, for the app's synth.
 *
 * cdktf resolves a stack three times over (once while preparing, once per element, once more on the merged
 * document). Each time it visits every string, number, array and object. For every value it allocates a resolution
 * context with two closures. Most of a pipeline's values hold no token at all: dashboard JSON, workflow YAML,
 * labels, healthchecks. At 50 applications that visiting was 760 ms of a 2 s synth.
 *
 * `fastResolve` walks the same value and copies what holds no token. It hands every value that does, or might,
 * hold one to cdktf's own resolver: a token string or key, a string that cdktf's number-token pattern matches,
 * a token-encoded number, a list or map token, an `IResolvable`, a construct or a function. It passes the key path
 * so that cdktf's errors and its depth limit stay as they were. The output is therefore cdktf's output, and a test
 * compares every synthesized file both ways.
 *
 * Plain data is copied without allocating contexts; undefined object values and array elements are dropped, as
 * cdktf drops them.
 *
 * cdktf also resolves the merged document once more as a whole, for the stack's own overrides (`addOverride` on the
 * stack). When the stack has none, every part of that document but its `//` comment block is made of values
 * resolved a moment before, and only that block is resolved again.
 */
import { DefaultTokenResolver, StringConcat, TerraformStack, Token, type IResolvable } from "cdktf";
import type { IConstruct } from "constructs";

interface PrivateResolveOptions {
  readonly scope: IConstruct;
  readonly preparing: boolean;
  readonly resolver: DefaultTokenResolver;
  readonly prefix?: string[];
}

type CdktfResolve = (scope: IConstruct, obj: unknown, preparing?: boolean) => unknown;

interface Internals {
  readonly tokensModule: { resolve: CdktfResolve };
  readonly privateResolve: (obj: unknown, options: PrivateResolveOptions) => unknown;
  readonly extractTokenDouble: (encoded: number, list: boolean) => number | undefined;
  /** cdktf's token map: the token a string token's key stands for (throws cdktf's error for an unknown key). */
  readonly lookupToken: (key: string) => IResolvable;
}

/** cdktf's pattern for a number token inside a string (tokens/private/encoding.js), unanchored like its `test()`. */
const NUMBER_TOKEN_PATTERN = /[-|\d|.+]+(e[-|\d|.|e|E|+]+)/;
/** Every string, list and map token marker ("${TfToken[", "#{TfToken[", "&{TfToken[") contains this. */
const TOKEN_MARKER = "TfToken[";
/** The list token marker: an array holding one is a list token, which cdktf resolves as a whole. */
const LIST_TOKEN_MARKER = "#{TfToken[";
/** A string that is one string token and nothing else (tokens/private/encoding.js); group 1 is the token's key. */
const WHOLE_STRING_TOKEN = /^\$\{TfToken\[([a-zA-Z0-9:._-]+)\]\}$/;
/** cdktf's limit on nesting before it reports a circular reference. */
const MAX_DEPTH = 200;

/** Returned by the walk for a value that cdktf must resolve itself. */
const DELEGATE: unique symbol = Symbol("delegate to cdktf");

let installed: { resolve: CdktfResolve; toTerraform: () => unknown } | undefined;
/** The stack whose `toTerraform` is running. */
let documentStack: TerraformStack | undefined;

interface StackInternals {
  toTerraform(): unknown;
  readonly rawOverrides: object;
}

/**
 * Puts the fast front before cdktf's resolver for every stack synthesized in this process. Returns false, and changes
 * nothing, when this cdktf's internals are not shaped as expected; synth then runs at cdktf's own speed.
 */
export function installFastResolve(): boolean {
  if (installed !== undefined) return true;
  const internals = loadInternals();
  if (internals === undefined) return false;
  const original = internals.tokensModule.resolve;
  const resolver = new DefaultTokenResolver(new StringConcat());
  const fast: CdktfResolve = (scope, obj, preparing = false) => {
    if (!preparing && scope === documentStack && isStackDocument(obj, documentStack)) {
      const document = obj as Record<string, unknown>;
      return { ...document, "//": fastResolve(internals, resolver, scope, document["//"], preparing) };
    }
    return fastResolve(internals, resolver, scope, obj, preparing);
  };
  const stackPrototype = TerraformStack.prototype as unknown as StackInternals;
  const toTerraform = stackPrototype.toTerraform;
  if (typeof toTerraform !== "function") return false;
  stackPrototype.toTerraform = function (this: TerraformStack) {
    const outer = documentStack;
    documentStack = this;
    try {
      return toTerraform.call(this);
    } finally {
      documentStack = outer;
    }
  };
  internals.tokensModule.resolve = fast;
  installed = { resolve: original, toTerraform };
  return true;
}

/**
 * True for the document `TerraformStack.toTerraform` resolves last: the merge of its elements' resolved fragments,
 * under the `//` block that names the stack. Only when the stack has no overrides of its own, which are merged in
 * unresolved.
 */
function isStackDocument(obj: unknown, stack: TerraformStack): boolean {
  if (typeof obj !== "object" || obj === null || Object.getPrototypeOf(obj) !== Object.prototype) return false;
  const comment = (obj as Record<string, unknown>)["//"] as { metadata?: { stackName?: unknown }; outputs?: unknown } | undefined;
  const overrides = (stack as unknown as Partial<StackInternals>).rawOverrides;
  return (
    comment?.metadata?.stackName === stack.node.id &&
    comment.outputs !== undefined &&
    typeof overrides === "object" &&
    overrides !== null &&
    Object.keys(overrides).length === 0
  );
}

/** Restores cdktf's own resolver (for tests that compare both). */
export function uninstallFastResolve(): void {
  if (installed === undefined) return;
  const internals = loadInternals();
  if (internals !== undefined) internals.tokensModule.resolve = installed.resolve;
  (TerraformStack.prototype as unknown as StackInternals).toTerraform = installed.toTerraform;
  installed = undefined;
}

function loadInternals(): Internals | undefined {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const tokensModule = require("cdktf/lib/_tokens") as { resolve?: unknown };
    const privateResolve = require("cdktf/lib/tokens/private/resolve") as { resolve?: unknown };
    const encoding = require("cdktf/lib/tokens/private/encoding") as { extractTokenDouble?: unknown };
    const tokenMap = require("cdktf/lib/tokens/private/token-map") as { TokenMap?: { instance?: () => { lookupToken?: unknown } } };
    /* eslint-enable @typescript-eslint/no-require-imports */
    const map = typeof tokenMap.TokenMap?.instance === "function" ? tokenMap.TokenMap.instance() : undefined;
    if (
      typeof tokensModule.resolve !== "function" ||
      typeof privateResolve.resolve !== "function" ||
      typeof encoding.extractTokenDouble !== "function" ||
      typeof map?.lookupToken !== "function"
    ) {
      return undefined;
    }
    const lookupToken = map.lookupToken as (this: typeof map, key: string) => IResolvable;
    return {
      tokensModule: tokensModule as Internals["tokensModule"],
      privateResolve: privateResolve.resolve as Internals["privateResolve"],
      extractTokenDouble: encoding.extractTokenDouble as Internals["extractTokenDouble"],
      lookupToken: (key) => lookupToken.call(map, key),
    };
  } catch {
    return undefined;
  }
}

function fastResolve(internals: Internals, resolver: DefaultTokenResolver, scope: IConstruct, obj: unknown, preparing: boolean): unknown {
  const path: string[] = [];

  const delegate = (value: unknown): unknown => internals.privateResolve(value, { scope, preparing, resolver, prefix: [...path] });

  const isNumberToken = (value: number, list: boolean): boolean => internals.extractTokenDouble(value, list) !== undefined;

  // The map-token placeholders make cdktf throw its own error.
  const needsCdktf = (value: string): boolean =>
    value.includes(TOKEN_MARKER) || NUMBER_TOKEN_PATTERN.test(value) || value === Token.STRING_MAP_TOKEN_VALUE || value === Token.ANY_MAP_TOKEN_VALUE;

  /** The resolved value, or DELEGATE when cdktf must resolve `value` (at the current path) itself. */
  const walk = (value: unknown): unknown => {
    switch (typeof value) {
      case "string":
        return needsCdktf(value) ? DELEGATE : value;
      case "number":
        return value === Token.NUMBER_MAP_TOKEN_VALUE || isNumberToken(value, false) ? DELEGATE : value;
      case "undefined":
      case "boolean":
      case "bigint":
      case "symbol":
        return value;
      case "function":
        return DELEGATE;
    }
    if (value === null || value instanceof Date) return value;
    if (path.length >= MAX_DEPTH) return DELEGATE;
    if (Array.isArray(value)) return walkArray(value);
    if (typeof (value as Partial<IResolvable>).resolve === "function") return DELEGATE;
    if (isConstruct(value)) return DELEGATE;
    const keys = Object.keys(value as object);
    for (const key of keys) if (needsCdktf(key)) return DELEGATE;
    const result: Record<string, unknown> = {};
    for (const key of keys) {
      path.push(key);
      const resolved = resolveAt((value as Record<string, unknown>)[key]);
      path.pop();
      if (resolved !== undefined) result[key] = resolved;
    }
    return result;
  };

  const walkArray = (values: readonly unknown[]): unknown => {
    // A list token among the elements makes the whole array one token, as in cdktf. Other elements, string tokens
    // included, cdktf resolves one by one at their index, as the walk does.
    for (const element of values) {
      if (typeof element === "string" && element.includes(LIST_TOKEN_MARKER)) return DELEGATE;
      if (typeof element === "number" && isNumberToken(element, true)) return DELEGATE;
    }
    const result: unknown[] = [];
    for (let index = 0; index < values.length; index++) {
      path.push(String(index));
      const resolved = resolveAt(values[index]);
      path.pop();
      if (resolved !== undefined) result.push(resolved);
    }
    return result;
  };

  /**
   * A string that is exactly one string token. cdktf splits it into that one token, resolves the token at this path,
   * returns the token's value as it is (a single fragment's `join`) and then replaces number tokens in it. Resolving
   * the token object through cdktf's resolver gives that value without the split. A value that is not a plain string,
   * or that holds a number token, goes to cdktf with the original string (resolving the token once more).
   */
  const resolveWholeToken = (value: string): unknown => {
    const match = WHOLE_STRING_TOKEN.exec(value);
    if (match === null) return DELEGATE;
    const resolved = delegate(internals.lookupToken(match[1]));
    return typeof resolved === "string" && !NUMBER_TOKEN_PATTERN.test(resolved) ? resolved : DELEGATE;
  };

  /** Resolves one value at the current path: the fast walk, or cdktf for what the walk hands over. */
  const resolveAt = (value: unknown): unknown => {
    const walked = walk(value);
    if (walked !== DELEGATE) return walked;
    if (typeof value === "string") {
      const whole = resolveWholeToken(value);
      if (whole !== DELEGATE) return whole;
    }
    return delegate(value);
  };

  return resolveAt(obj);
}

/** cdktf's own test for a construct (tokens/private/resolve.js): it refuses to resolve one. */
function isConstruct(value: unknown): boolean {
  const candidate = value as { _children?: unknown; _metadata?: unknown };
  return candidate._children !== undefined && candidate._metadata !== undefined;
}
