/**
 * PromQL checking with Prometheus's own grammar: `@prometheus-io/lezer-promql` parses, and the static analysis of
 * `@prometheus-io/codemirror-promql` (the Prometheus UI's linter) type-checks function arguments, aggregations,
 * binary operations and matchers. Grafana's interval variables are replaced by a duration first.
 */
import { LRLanguage, ensureSyntaxTree, syntaxTree } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { parser } from "@prometheus-io/lezer-promql";
// Deep imports: the package index also loads the autocompletion client, which synth does not need.
import { Parser } from "@prometheus-io/codemirror-promql/dist/cjs/parser/parser";
import { getType } from "@prometheus-io/codemirror-promql/dist/cjs/parser/type";

/** Grafana's interval variables ($__rate_interval, ${__interval}, $__range), which are not PromQL. */
const GRAFANA_INTERVAL_VARIABLE =
  /\$(?:__(rate_interval|interval|range)(?![A-Za-z0-9_])|\{__(rate_interval|interval|range)\})/g;

const promqlLanguage = LRLanguage.define({ parser });

/** Replaces Grafana's interval variables by a Prometheus duration, e.g. for a Prometheus rule file. */
export function substituteGrafanaIntervals(expression: string, duration: string): string {
  return expression.replace(GRAFANA_INTERVAL_VARIABLE, duration);
}

export interface PromQLCheckOptions {
  /** The value type the expression must have: alert conditions and graph queries need an instant vector. @default "vector" */
  readonly expectedType?: "vector" | "scalar-or-vector";
}

/** PromQL's string literals, when the expression has no escape and no comment: the lexer's own left-to-right pairing. */
const STRING_LITERAL = /"[^"\n]*"|'[^'\n]*'|`[^`]*`/g;

/**
 * Expressions already found valid, by shape. Alerts and panels are written once per application and differ only
 * in label values, so each shape is checked once per process however many applications there are. Only valid
 * shapes are kept: a problem is always reported from the expression itself, with its own columns.
 */
const validShapes = new Set<string>();

/**
 * The expression with each string literal's text replaced by one placeholder, where that text cannot change whether
 * the expression is valid: it parses to the same tree and type-checks the same. Kept as written: empty literals
 * (a selector needs one matcher that does not match "") and `__name__` (a quoted label name the linter checks).
 * Undefined, so never cached, when the expression has a backslash or a `#` (escapes and comments) or a quote
 * outside a literal.
 */
function shapeOf(source: string, options: PromQLCheckOptions): string | undefined {
  if (/[\\#]/.test(source) || /["'`]/.test(source.replace(STRING_LITERAL, ""))) return undefined;
  const shape = source.replace(STRING_LITERAL, (literal) => {
    const text = literal.slice(1, -1);
    return text === "" || text === "__name__" ? literal : `${literal[0]}x${literal[0]}`;
  });
  return `${options.expectedType ?? "vector"}\u0000${shape}`;
}

/**
 * Problems of a PromQL expression, each a sentence with the column it starts at; empty when the expression is
 * valid. A bad expression never throws: it is reported. (Only CodeMirror leaving its own parse unfinished, which
 * `fullyParsedState` guards against, throws.)
 */
export function promqlProblems(expression: string, options: PromQLCheckOptions = {}): string[] {
  const source = substituteGrafanaIntervals(expression, "5m");
  if (source.trim() === "") return ["the expression is empty"];
  const shape = shapeOf(source, options);
  if (shape !== undefined && validShapes.has(shape)) return [];
  const problems = analyze(source, options);
  if (shape !== undefined && problems.length === 0) validShapes.add(shape);
  return problems;
}

function analyze(source: string, options: PromQLCheckOptions): string[] {
  const problems: string[] = [];
  const tree = parser.parse(source);
  // The linter skips error nodes at the end (an editor's half-typed query); a config has no such excuse.
  tree.iterate({
    enter: (node) => {
      if (node.type.isError && problems.length < 3) {
        const near = source.slice(node.from, Math.max(node.to, node.from + 12)).trim();
        problems.push(
          `syntax error at column ${node.from + 1}${near ? ` near ${JSON.stringify(near)}` : " (the expression ends too early)"}`,
        );
      }
    },
  });
  if (problems.length > 0) return problems;

  const analysis = new Parser(fullyParsedState(source));
  analysis.analyze();
  for (const diagnostic of analysis.getDiagnostics()) {
    if (diagnostic.severity === "error") problems.push(`${diagnostic.message} (column ${diagnostic.from + 1})`);
  }
  if (problems.length > 0) return problems;

  const type = getType(tree.topNode.firstChild);
  const allowed = options.expectedType === "scalar-or-vector" ? ["vector", "scalar"] : ["vector"];
  if (!allowed.includes(type)) {
    problems.push(
      `the expression gives a ${type === "matrix" ? "range vector" : type}, but an instant vector is needed${type === "matrix" ? " (wrap it in a function such as rate() or max_over_time())" : ""}`,
    );
  }
  return problems;
}

/**
 * An editor state that holds the complete syntax tree of `source`, which the linter reads. A new state's document is
 * parsed the way an editor parses between keystrokes: for at most 20 ms, and its first 3,000 characters only. On a
 * busy machine, or for a longer expression, the linter read a partial tree and reported errors in valid expressions
 * ("expected 1 argument(s) in call to changes, got 0"). The parse is finished here without a time limit.
 */
function fullyParsedState(source: string): EditorState {
  let state = EditorState.create({ doc: source, extensions: promqlLanguage });
  if (syntaxTree(state).length < source.length) {
    ensureSyntaxTree(state, source.length, Number.POSITIVE_INFINITY);
    // The language field adopts the finished parse on the next transaction.
    state = state.update({}).state;
  }
  if (syntaxTree(state).length < source.length) {
    throw new Error(`PromQL check: CodeMirror left the parse of a ${source.length}-character expression unfinished`);
  }
  return state;
}
