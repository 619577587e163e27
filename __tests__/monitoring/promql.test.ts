import { Parser } from "@prometheus-io/codemirror-promql/dist/cjs/parser/parser";
import { promqlProblems, substituteGrafanaIntervals } from "../../constructs/monitoring/promql";

describe("PromQL checking", () => {
  test.each([
    'sum by (version) (rate(http_requests_total{job="web",status=~"5.."}[1m])) / sum by (version) (rate(http_requests_total{job="web"}[1m]))',
    'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="web"}[$__rate_interval])))',
    'changes(container_start_time_seconds{name=~"web-production-(blue|green)"}[15m])',
    'up{job="web"}',
  ])("accepts %s", (expression) => {
    expect(promqlProblems(expression)).toEqual([]);
  });

  test("fails when a parenthesis is never closed, even at the very end (the editor linter lets that pass)", () => {
    const problems = promqlProblems('rate(http_requests_total{job="web"}[5m]');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^syntax error at column \d+/);
  });

  test("fails when a label matcher is malformed, giving the column", () => {
    expect(promqlProblems('probe_success{job="blackbox",instance=}')).toEqual([
      expect.stringMatching(/syntax error at column 3\d/),
    ]);
  });

  test("fails when a function gets the wrong type (type check of codemirror-promql)", () => {
    expect(promqlProblems('rate(http_requests_total{job="web"})')).toEqual([
      expect.stringContaining('expected type matrix in call to function "rate", got vector'),
    ]);
  });

  test("fails when a function gets the wrong number of arguments", () => {
    expect(promqlProblems("abs(up, up)")[0]).toContain('expected 1 argument(s) in call to "abs", got 2');
  });

  test("fails when the result is a range vector, which no alert or graph can use", () => {
    expect(promqlProblems('http_requests_total{job="web"}[5m]')).toEqual([
      expect.stringContaining("gives a range vector, but an instant vector is needed"),
    ]);
  });

  test("fails when the expression is empty", () => {
    expect(promqlProblems("  ")).toEqual(["the expression is empty"]);
  });

  test("Grafana's interval variables are replaced, in both spellings, and nothing else is", () => {
    expect(substituteGrafanaIntervals("rate(x[$__rate_interval]) + rate(y[${__interval}]) + z_$__rangeish", "1m")).toBe(
      "rate(x[1m]) + rate(y[1m]) + z_$__rangeish",
    );
  });

  describe("the whole expression is parsed before it is checked, however slow the machine or long the expression", () => {
    // CodeMirror parses a new document for at most 20 ms and 3,000 characters; the checker must not read a partial tree.
    test("a machine too busy for CodeMirror's 20 ms parse budget gets the same answers", () => {
      let now = 1_000_000;
      const clock = jest.spyOn(Date, "now").mockImplementation(() => (now += 25));
      try {
        expect(
          promqlProblems(
            'changes(container_start_time_seconds{name=~"slow-clock-(blue|green)(-[0-9a-f]+)?"}[15m]) > 3',
          ),
        ).toEqual([]);
        expect(promqlProblems('rate(slow_clock_requests_total{job="web"})')).toEqual([
          expect.stringContaining('expected type matrix in call to function "rate", got vector'),
        ]);
      } finally {
        clock.mockRestore();
      }
    });

    test("an expression longer than 3,000 characters is checked to its end", () => {
      const terms = Array.from(
        { length: 120 },
        (_, index) => `sum(rate(long_expression_${index}_total{job="web"}[5m]))`,
      );
      expect(terms.join(" + ").length).toBeGreaterThan(3000);
      expect(promqlProblems(terms.join(" + "))).toEqual([]);
      expect(promqlProblems(`${terms.join(" + ")} + abs(up, up)`)).toEqual([
        expect.stringContaining('expected 1 argument(s) in call to "abs", got 2'),
      ]);
    });
  });

  describe("an expression's shape is analysed once", () => {
    afterEach(() => jest.restoreAllMocks());

    test("fifty alerts that differ only in their application's name cost one analysis", () => {
      const analyze = jest.spyOn(Parser.prototype, "analyze");
      const expressions = Array.from(
        { length: 50 },
        (_, index) => `sum(rate(http_requests_total{job="shape-app-${index}",status=~"5.."}[5m])) > 0`,
      );
      expect(expressions.map((expression) => promqlProblems(expression))).toEqual(expressions.map(() => []));
      expect(analyze).toHaveBeenCalledTimes(1);
    });

    test.each([
      [
        "an empty matcher value",
        '{shape_probe="a"}',
        '{shape_probe=""}',
        "vector selector must contain at least one non-empty matcher",
      ],
      [
        "a quoted __name__ label",
        'shape_probe_b{a="x", b="y"}',
        'shape_probe_b{a="x", "__name__"="y"}',
        "metric name must not be set twice",
      ],
      [
        "an escaped quote",
        'shape_probe_c{a="x\\"", b="y"}',
        'shape_probe_c{a="x\\"", __name__="y"}',
        "metric name must not be set twice",
      ],
      [
        "a comment",
        'shape_probe_d{a="x"} # "c"',
        'shape_probe_d{a="x"} # "c"\n + {a=""}',
        "vector selector must contain at least one non-empty matcher",
      ],
    ])("a valid expression does not make one that differs by %s valid", (_, valid, invalid, problem) => {
      expect(promqlProblems(valid)).toEqual([]);
      expect(promqlProblems(invalid)).toEqual([expect.stringContaining(problem)]);
    });
  });
});
