/**
 * The pipeline as a graph, built from the resolved config alone: git refs → environments → gates (CI, approval,
 * deployment window) → strategy → verification (smoke tests, monitoring window) → known-good version, with the
 * alert-driven rollback loop. Plain data; `mermaid.ts` renders it.
 */
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../config/environments";
import type { Strategy } from "../../config/runtime-schema";
import type { EnvironmentProfile, PipelineConfig } from "../../config/types";
import { knownGoodVariable } from "../contract";
import { ROLLBACK_WORKFLOW_FILE } from "../workflows/rollback-workflow";

/** How a node is drawn: refs are stadiums, gates hexagons, the alert a diamond, work boxes, outcomes rounded. */
export type DiagramNodeShape = "stadium" | "hexagon" | "diamond" | "box" | "rounded";

/** How an edge is drawn: the promotion path is solid, promotions between environments thick, the rollback loop dotted. */
export type DiagramEdgeStyle = "solid" | "thick" | "dotted";

export interface DiagramNode {
  /** Identifier in the diagram: letters, digits and `_` only. */
  readonly id: string;
  /** Lines of the label, plain text (the renderer escapes it). */
  readonly lines: readonly string[];
  readonly shape: DiagramNodeShape;
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly style: DiagramEdgeStyle;
}

/** A box around nodes: the git refs, or one environment. */
export interface DiagramGroup {
  readonly id: string;
  readonly title: string;
  readonly nodes: readonly DiagramNode[];
}

export interface PipelineDiagram {
  readonly groups: readonly DiagramGroup[];
  readonly edges: readonly DiagramEdge[];
}

/** Items (applications, alerts) named in a node before the rest are counted, so 50 applications keep the diagram readable. */
const ITEMS_SHOWN = 5;

/** Builds the diagram of a resolved config. Pure: the same config always gives the same diagram. */
export function buildPipelineDiagram(config: PipelineConfig): PipelineDiagram {
  const refs = refNodes(config);
  const edges: DiagramEdge[] = [];
  const groups: DiagramGroup[] = [{ id: "refs", title: "Git refs", nodes: refs.map((ref) => ref.node) }];

  let previousOutcome: string | undefined;
  for (const name of ENVIRONMENT_NAMES) {
    const environment = config.environments[name];
    const stages = environmentStages(config, environment);
    groups.push({ id: `env_${name}`, title: `${name} · ${environment.stability}`, nodes: stages.nodes });
    edges.push(...stages.edges);

    for (const ref of refs) {
      const label = ref.triggers.get(name);
      if (label) edges.push({ from: ref.node.id, to: stages.entry, label, style: "solid" });
    }
    if (previousOutcome) edges.push({ from: previousOutcome, to: stages.entry, label: "promote", style: "thick" });
    previousOutcome = stages.outcome;
  }
  return { groups, edges };
}

interface RefNode {
  readonly node: DiagramNode;
  /** Environment → what makes this ref deploy there. */
  readonly triggers: Map<EnvironmentName, string>;
}

/** One node per distinct branch or tag pattern, in promotion order of first use. */
function refNodes(config: PipelineConfig): RefNode[] {
  const byKey = new Map<string, RefNode>();
  const add = (kind: "branch" | "tag", pattern: string, environment: EnvironmentName, trigger: string) => {
    const key = `${kind} ${pattern}`;
    let ref = byKey.get(key);
    if (!ref) {
      ref = { node: { id: `ref_${byKey.size}`, lines: [key], shape: "stadium" }, triggers: new Map() };
      byKey.set(key, ref);
    }
    ref.triggers.set(environment, trigger);
  };
  const weeks = config.workflows.releaseEveryWeeks;
  const release = `release every ${weeks === 1 ? "week" : `${weeks} weeks`} or on dispatch`;
  for (const name of ENVIRONMENT_NAMES) {
    const environment = config.environments[name];
    for (const branch of environment.branches) add("branch", branch, name, environment.deployOnPush ? "push" : release);
    // The default branch is admitted everywhere only for rollbacks, which the diagram draws as their own loop.
    if (name !== "development" && !environment.branches.includes(config.repository.hotfixBranches)) {
      add("branch", config.repository.hotfixBranches, name, "hotfix");
    }
    for (const tag of environment.tags) add("tag", tag, name, "tag push");
  }
  return [...byKey.values()];
}

interface EnvironmentStages {
  readonly nodes: DiagramNode[];
  readonly edges: DiagramEdge[];
  /** First node: where refs and promotions enter. */
  readonly entry: string;
  /** Last node of the happy path: the recorded known-good version. */
  readonly outcome: string;
}

function environmentStages(config: PipelineConfig, environment: EnvironmentProfile): EnvironmentStages {
  const id = (stage: string) => `${environment.name}_${stage}`;
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const chain = (node: DiagramNode, label?: string) => {
    const previous = nodes[nodes.length - 1];
    nodes.push(node);
    if (previous) edges.push({ from: previous.id, to: node.id, label, style: "solid" });
  };

  chain({ id: id("ci"), lines: ["tests pass (CI)", ciSteps(config).join(" · ")], shape: "hexagon" });
  const approval = approvalLines(environment);
  if (approval.length > 0) chain({ id: id("approval"), lines: approval, shape: "hexagon" });
  const window = environment.deploymentWindow;
  if (window) {
    chain({
      id: id("window"),
      lines: ["deployment window", `${window.days.join(", ")} ${window.start}–${window.end} ${window.timezone}`],
      shape: "hexagon",
    });
  }
  const deploy = {
    id: id("deploy"),
    lines: [`deploy ${applicationList(config)}`, strategyText(environment.runtime.strategy)],
    shape: "box",
  } as const;
  chain(deploy);
  const smokeTests = environment.deploy.smokeTests;
  const smoke =
    smokeTests.length > 0
      ? { id: id("smoke"), lines: ["smoke tests", ...smokeTests.map((test) => test.name)], shape: "rounded" as const }
      : undefined;
  if (smoke) chain(smoke);
  const { monitoring } = environment;
  const monitor = {
    id: id("monitor"),
    lines: [
      `monitor ${monitoring.monitoringWindowMinutes} min`,
      `5xx rate ≤ ${monitoring.errorRateThresholdPercent}% · p95 ≤ ${monitoring.latencyP95Seconds} s`,
    ],
    shape: "rounded" as const,
  };
  chain(monitor);
  const knownGood = {
    id: id("known_good"),
    lines: ["record known-good version", knownGoodList(config)],
    shape: "rounded" as const,
  };
  chain(knownGood, "healthy");

  // The rollback loop (SOP §5): a firing alert dispatches the rollback workflow, which redeploys the known-good version and verifies again.
  const alert = {
    id: id("alert"),
    lines: ["rollback alert fires", ...shortLines(rollbackTriggers(environment))],
    shape: "diamond" as const,
  };
  const rollback = {
    id: id("rollback"),
    lines: ["rollback", "redeploy the known-good version"],
    shape: "box" as const,
  };
  nodes.push(alert, rollback);
  edges.push(
    { from: monitor.id, to: alert.id, label: "threshold crossed", style: "dotted" },
    { from: knownGood.id, to: alert.id, label: "later", style: "dotted" },
    { from: alert.id, to: rollback.id, label: `dispatch ${ROLLBACK_WORKFLOW_FILE}`, style: "dotted" },
    { from: rollback.id, to: (smoke ?? monitor).id, label: "verify again", style: "dotted" },
  );
  if (smoke) edges.push({ from: smoke.id, to: rollback.id, label: "fail", style: "dotted" });
  return { nodes, edges, entry: id("ci"), outcome: knownGood.id };
}

/** The alerts that roll back (action=rollback), as the monitoring config defines them (SOP §5.1). */
function rollbackTriggers(environment: EnvironmentProfile): string[] {
  const { monitoring } = environment;
  return [
    `5xx rate > ${monitoring.errorRateThresholdPercent}% for ${monitoring.errorRateForMinutes} min`,
    ...(monitoring.rollbackOnLatency
      ? [`p95 > ${monitoring.latencyP95Seconds} s for ${monitoring.latencyForMinutes} min`]
      : []),
    ...monitoring.criticalFlowProbes.map((probe) => `${probe.name} flow broken for ${probe.forMinutes} min`),
    ...monitoring.extraAlerts.filter((extra) => extra.rollback).map((extra) => extra.name),
  ];
}

function ciSteps(config: PipelineConfig): string[] {
  const { commands } = config.workflows;
  return ["lint", "typecheck", "unit tests", ...(commands.integrationTest ? ["integration tests"] : []), "build"];
}

function approvalLines(environment: EnvironmentProfile): string[] {
  const { users, teams } = environment.reviewers;
  const approvers = [...users.map((user) => `@${user}`), ...teams.map((team) => `team ${team}`)];
  const rules = [
    ...(environment.preventSelfReview ? ["not by the deployer"] : []),
    ...(environment.waitTimerMinutes > 0 ? [`then wait ${environment.waitTimerMinutes} min`] : []),
    ...(approvers.length > 0 && environment.canAdminsBypass ? ["admins may bypass"] : []),
  ];
  if (approvers.length === 0)
    return environment.waitTimerMinutes > 0 ? [`wait ${environment.waitTimerMinutes} min`] : [];
  return ["approval by any of", approvers.join(", "), ...(rules.length > 0 ? [rules.join(" · ")] : [])];
}

function strategyText(strategy: Strategy): string {
  switch (strategy.type) {
    case "rolling":
      return `rolling: ${plural(strategy.replicas, "replica")}, one at a time`;
    case "blue-green":
      return "blue-green: switch traffic when verified";
    case "canary":
      return `canary: ${strategy.steps.map((step) => `${step}%`).join(" → ")}`;
  }
}

function applicationList(config: PipelineConfig): string {
  return shortList(config.applications.map((application) => application.name));
}

function knownGoodList(config: PipelineConfig): string {
  return shortList(config.applications.map((application) => knownGoodVariable(application.name)));
}

function shortLines(items: readonly string[]): string[] {
  return items.length > ITEMS_SHOWN
    ? [...items.slice(0, ITEMS_SHOWN - 1), `+${items.length - ITEMS_SHOWN + 1} more`]
    : [...items];
}

function shortList(items: readonly string[]): string {
  const shown = items.slice(0, ITEMS_SHOWN).join(", ");
  return items.length > ITEMS_SHOWN ? `${shown} +${items.length - ITEMS_SHOWN} more` : shown;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
