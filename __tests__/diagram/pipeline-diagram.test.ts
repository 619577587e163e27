import { Testing } from "cdktf";
import { ENVIRONMENT_NAMES } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { Artifacts } from "../../constructs/artifacts";
import { escapeMermaidText } from "../../constructs/diagram/mermaid";
import {
  PIPELINE_DIAGRAM_ARTIFACT,
  pipelineDiagramMarkdown,
  pipelineDiagramMermaid,
} from "../../constructs/diagram/pipeline-diagram";
import { addPipelineStacks } from "../../stacks/pipeline";
import { shippedConfig } from "../helpers";

interface ParsedFlowchart {
  /** Node id → decoded label lines. */
  nodes: Map<string, { lines: string[]; shape: string; group: string }>;
  edges: Array<{ from: string; to: string; arrow: string; label?: string }>;
  groups: Map<string, string>;
}

const QUOTED = String.raw`"([^"]*)"`;
const NODE_LINE = new RegExp(
  String.raw`^    ([A-Za-z][A-Za-z0-9_]*)(\(\[|\{\{|\{|\[|\()${QUOTED}(\]\)|\}\}|\}|\]|\))$`,
);
const EDGE_LINE = new RegExp(
  String.raw`^  ([A-Za-z][A-Za-z0-9_]*) (-->|==>|-\.->)(?:\|${QUOTED}\|)? ([A-Za-z][A-Za-z0-9_]*)$`,
);
const GROUP_LINE = new RegExp(String.raw`^  subgraph ([A-Za-z][A-Za-z0-9_]*)\[${QUOTED}\]$`);
const SHAPE_PAIRS: Record<string, string> = { "([": "])", "{{": "}}", "{": "}", "[": "]", "(": ")" };

/** Reads the flowchart line by line; any line outside the grammar the renderer promises fails the test. */
function parseFlowchart(text: string): ParsedFlowchart {
  const lines = text.trimEnd().split("\n");
  expect(lines[0]).toBe("flowchart TD");
  const parsed: ParsedFlowchart = { nodes: new Map(), edges: [], groups: new Map() };
  let group: string | undefined;
  for (const line of lines.slice(1)) {
    let match: RegExpExecArray | null;
    if ((match = GROUP_LINE.exec(line))) {
      expect(group).toBeUndefined();
      group = match[1];
      parsed.groups.set(match[1], decode(match[2]));
    } else if (line === "  end") {
      expect(group).toBeDefined();
      group = undefined;
    } else if ((match = NODE_LINE.exec(line))) {
      expect(group).toBeDefined();
      expect(SHAPE_PAIRS[match[2]]).toBe(match[4]);
      expect(parsed.nodes.has(match[1])).toBe(false);
      parsed.nodes.set(match[1], { lines: match[3].split("<br>").map(decode), shape: match[2], group: group! });
    } else if ((match = EDGE_LINE.exec(line))) {
      parsed.edges.push({
        from: match[1],
        arrow: match[2],
        label: match[3] === undefined ? undefined : decode(match[3]),
        to: match[4],
      });
    } else {
      throw new Error(`line outside the flowchart grammar: ${JSON.stringify(line)}`);
    }
  }
  expect(group).toBeUndefined();
  for (const edge of parsed.edges) {
    expect(parsed.nodes.has(edge.from)).toBe(true);
    expect(parsed.nodes.has(edge.to)).toBe(true);
  }
  return parsed;
}

/** Mermaid's numeric entities back to text. */
function decode(text: string): string {
  return text.replace(/#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
}

function label(chart: ParsedFlowchart, id: string): string {
  const node = chart.nodes.get(id);
  if (!node) throw new Error(`no node ${id}; nodes: ${[...chart.nodes.keys()].join(", ")}`);
  return node.lines.join("\n");
}

function edgesFrom(chart: ParsedFlowchart, id: string) {
  return chart.edges.filter((edge) => edge.from === id);
}

function refId(chart: ParsedFlowchart, text: string): string {
  const found = [...chart.nodes].find(([, node]) => node.group === "refs" && node.lines.join(" ") === text);
  if (!found) throw new Error(`no ref node "${text}"`);
  return found[0];
}

function chartOf(config: PipelineConfig): ParsedFlowchart {
  return parseFlowchart(pipelineDiagramMermaid(config));
}

describe("pipeline diagram", () => {
  const shipped = chartOf(shippedConfig());

  test("one group per environment, in promotion order, each with the full stage chain and rollback loop", () => {
    // THEN
    expect([...shipped.groups.keys()]).toEqual(["refs", "env_development", "env_staging", "env_production"]);
    for (const name of ENVIRONMENT_NAMES) {
      const ids = [...shipped.nodes].filter(([, node]) => node.group === `env_${name}`).map(([id]) => id);
      expect(ids).toEqual(
        expect.arrayContaining([
          `${name}_ci`,
          `${name}_deploy`,
          `${name}_smoke`,
          `${name}_monitor`,
          `${name}_known_good`,
          `${name}_alert`,
          `${name}_rollback`,
        ]),
      );
      expect(shipped.edges).toContainEqual({
        from: `${name}_monitor`,
        to: `${name}_known_good`,
        arrow: "-->",
        label: "healthy",
      });
      expect(shipped.edges).toContainEqual({
        from: `${name}_monitor`,
        to: `${name}_alert`,
        arrow: "-.->",
        label: "threshold crossed",
      });
      expect(shipped.edges).toContainEqual({
        from: `${name}_alert`,
        to: `${name}_rollback`,
        arrow: "-.->",
        label: "dispatch rollback.yml",
      });
      expect(shipped.edges).toContainEqual({
        from: `${name}_rollback`,
        to: `${name}_smoke`,
        arrow: "-.->",
        label: "verify again",
      });
    }
    expect(shipped.edges).toContainEqual({
      from: "development_known_good",
      to: "staging_ci",
      arrow: "==>",
      label: "promote",
    });
    expect(shipped.edges).toContainEqual({
      from: "staging_known_good",
      to: "production_ci",
      arrow: "==>",
      label: "promote",
    });
  });

  test("production's gates follow the config: reviewers, self-review, wait timer, then the deployment window", () => {
    // THEN
    expect(label(shipped, "production_approval")).toBe(
      "approval by any of\n@auggie, team project-leads\nnot by the deployer · then wait 5 min",
    );
    expect(label(shipped, "production_window")).toBe("deployment window\ntue, wed, thu 07:00–10:00 UTC");
    expect(edgesFrom(shipped, "production_ci").map((edge) => edge.to)).toEqual(["production_approval"]);
    expect(edgesFrom(shipped, "production_approval").map((edge) => edge.to)).toEqual(["production_window"]);
    expect(edgesFrom(shipped, "production_window").map((edge) => edge.to)).toEqual(["production_deploy"]);
  });

  test("each environment shows its strategy, smoke tests and monitoring thresholds", () => {
    // THEN
    expect(label(shipped, "development_deploy")).toBe("deploy web\nrolling: 1 replica, one at a time");
    expect(label(shipped, "staging_deploy")).toBe("deploy web\nblue-green: switch traffic when verified");
    expect(label(shipped, "production_deploy")).toBe("deploy web\ncanary: 5% → 25% → 50% → 100%");
    expect(label(shipped, "production_smoke")).toBe("smoke tests\nhealth endpoint answers");
    expect(label(shipped, "production_monitor")).toBe("monitor 60 min\n5xx rate ≤ 1% · p95 ≤ 0.5 s");
    expect(label(shipped, "production_alert")).toMatch(
      /^rollback alert fires\n5xx rate > 1% for 5 min\np95 > 0\.5 s for 5 min(\n|$)/,
    );
    expect(label(shipped, "staging_alert")).toMatch(/^rollback alert fires\n5xx rate > 1% for 5 min(\n|$)/);
    expect(label(shipped, "production_known_good")).toBe("record known-good version\nKNOWN_GOOD_VERSION_WEB");
  });

  test("refs lead to the environments they deploy: push, hotfix, release and tag", () => {
    // THEN
    const into = (ref: string) => edgesFrom(shipped, refId(shipped, ref)).map((edge) => `${edge.to} ${edge.label}`);
    expect(into("branch feature/*")).toEqual(["development_ci push"]);
    expect(into("branch release/*")).toEqual(["staging_ci push"]);
    expect(into("branch hotfix/*")).toEqual(["staging_ci hotfix", "production_ci hotfix"]);
    expect(into("branch main")).toEqual(["production_ci release every 2 weeks or on dispatch"]);
    expect(into("tag v*")).toEqual(["production_ci tag push"]);
  });

  test("the rollback alert lists exactly the alerts that roll back: flow probes and extra alerts with rollback", () => {
    // GIVEN
    const config = shippedConfig((raw) => {
      raw.environments.staging.monitoring = {
        ...raw.environments.staging.monitoring,
        criticalFlowProbes: [{ name: "checkout", expr: "probe_success", forMinutes: 3 }],
        rollbackOnLatency: false,
        extraAlerts: [
          { name: "QueueBacklog", expr: "queue_depth", threshold: 100, rollback: true },
          { name: "DiskAlmostFull", expr: "disk_free", threshold: 0.1, comparator: "below" },
        ],
      };
    });
    // WHEN
    const chart = chartOf(config);
    // THEN
    expect(label(chart, "staging_alert")).toBe(
      "rollback alert fires\n5xx rate > 1% for 5 min\ncheckout flow broken for 3 min\nQueueBacklog",
    );
  });

  test("a reviewer change in the config changes the diagram", () => {
    // GIVEN
    const config = shippedConfig((raw) => (raw.environments.production.reviewers = { users: ["release-captain"] }));
    // WHEN
    const chart = chartOf(config);
    // THEN
    expect(label(chart, "production_approval")).toContain("@release-captain");
    expect(label(chart, "production_approval")).not.toContain("auggie");
  });

  test("a branch pattern change in the config changes the refs and their edges", () => {
    // GIVEN
    const config = shippedConfig((raw) => (raw.environments.staging.branches = ["qa/*"]));
    // WHEN
    const chart = chartOf(config);
    // THEN
    expect(edgesFrom(chart, refId(chart, "branch qa/*")).map((edge) => edge.to)).toEqual(["staging_ci"]);
    expect(() => refId(chart, "branch release/*")).toThrow();
  });

  test("gates that are not configured are left out: no reviewers, no window", () => {
    // GIVEN
    const config = shippedConfig((raw) => {
      raw.environments.staging.reviewers = { users: [], teams: [] };
      raw.environments.production.deploymentWindow = null;
    });
    // WHEN
    const chart = chartOf(config);
    // THEN
    expect(chart.nodes.has("staging_approval")).toBe(false);
    expect(edgesFrom(chart, "staging_ci").map((edge) => edge.to)).toEqual(["staging_deploy"]);
    expect(chart.nodes.has("production_window")).toBe(false);
    expect(edgesFrom(chart, "production_approval").map((edge) => edge.to)).toEqual(["production_deploy"]);
  });

  test("labels with Mermaid's special characters are escaped and decode back to the config's text", () => {
    // GIVEN
    const nasty = 'login "works" <b>#1</b> & `code` | end';
    const config = shippedConfig((raw) => {
      raw.environments.staging.deploy = { smokeTests: [{ name: nasty, url: "/" }] };
      raw.environments.staging.branches = ['rel#1&"x"'];
    });
    // WHEN
    const text = pipelineDiagramMermaid(config);
    const chart = parseFlowchart(text);
    // THEN
    expect(label(chart, "staging_smoke")).toBe(`smoke tests\n${nasty}`);
    expect(refId(chart, 'branch rel#1&"x"')).toMatch(/^ref_\d+$/);
    expect(text).not.toContain("<b>");
    expect(escapeMermaidText('a"b')).toBe("a#34;b");
  });

  test("many applications are summarized, not listed one by one", () => {
    // GIVEN
    const config = shippedConfig((raw) => {
      const web = raw.applications[0];
      raw.applications = [
        web,
        ...Array.from({ length: 49 }, (_, index) => ({ ...web, name: `app-${index + 1}`, hostPort: 9001 + index })),
      ];
    });
    // WHEN
    const chart = chartOf(config);
    // THEN
    expect(label(chart, "production_deploy")).toBe(
      "deploy web, app-1, app-2, app-3, app-4 +45 more\ncanary: 5% → 25% → 50% → 100%",
    );
  });

  test("synth registers pipeline.md: a one-line explanation and the flowchart in a mermaid block", () => {
    // GIVEN
    const config = shippedConfig();
    const app = Testing.app();
    // WHEN
    addPipelineStacks(app, config);
    // THEN
    const files = new Map(Artifacts.of(app).entries());
    const markdown = files.get(PIPELINE_DIAGRAM_ARTIFACT)!;
    expect(markdown).toBe(pipelineDiagramMarkdown(config));
    const block = /```mermaid\n([\s\S]*?)```/.exec(markdown);
    expect(block).not.toBeNull();
    expect(parseFlowchart(block![1]).nodes.size).toBe(shipped.nodes.size);
    expect(markdown.split("\n").filter((line) => line.startsWith("Generated from"))).toHaveLength(1);
  });
});
