/**
 * What each apply of a deploy or rollback sets: the Terraform release variables of every application (the
 * contract's `releaseVariables`), computed from the values applied last time. Pure: the CLI reads and persists the
 * state, this decides. Every apply sets every variable of every application, since Terraform needs them all.
 */
import type { Strategy } from "../../../config/runtime-schema";
import { releaseVariables, type ReleaseVariables } from "../../contract";

/** Terraform release variable name → value, as last applied. */
export type ReleaseState = Readonly<Record<string, string>>;

/** Application → version (an image tag, optionally with the digest its build pushed: `1.4.2@sha256:…`). */
export type Versions = Readonly<Record<string, string>>;

export type ReleaseStep =
  /** Bring the new versions up beside the serving ones: rolling replaces, blue-green fills the idle slot, canary starts at `canaryWeight`. */
  | { readonly kind: "deploy"; readonly versions: Versions; readonly canaryWeight: number }
  /** Blue-green: route traffic to the slot holding the new version. */
  | { readonly kind: "switch"; readonly versions: Versions }
  /** Canary: route this share of traffic to the canary. */
  | { readonly kind: "weight"; readonly canaryWeight: number }
  /** Canary: the canary's version becomes stable, with no canary traffic. */
  | { readonly kind: "promote"; readonly versions: Versions }
  /** Serve these versions again, as fast as the strategy allows (blue-green switches back when the idle slot has them). */
  | { readonly kind: "rollback"; readonly versions: Versions };

/**
 * What a version may be, so it can never smuggle anything into a command or a query: an image tag, optionally with
 * the digest CI's build recorded (`1.4.2-3f9a2c1@sha256:<64 hex>`). With a digest, the runtime runs that image
 * whatever the tag points at by then.
 */
export const VERSION_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(@sha256:[0-9a-f]{64})?$/;

/** What VERSION_PATTERN accepts, for messages. */
export const VERSION_DESCRIPTION =
  "an image tag (letters, digits, . _ -; at most 128), optionally followed by @sha256:<64 hex digits>";

/** Whether a version an alert saw (a tag, as the application reports it, or tag@digest) is the one serving. */
export function isServing(seen: string, serving: string | undefined): boolean {
  if (serving === undefined) return false;
  return seen.includes("@") ? seen === serving : seen === tagOf(serving);
}

/** The tag of a version, without its digest: what the application reports and the alerts name. */
export function tagOf(version: string): string {
  const at = version.indexOf("@");
  return at < 0 ? version : version.slice(0, at);
}

export class ReleasePlanError extends Error {}

/** The release variables of the environment's applications under its strategy. */
export function releaseVariablesOf(
  applications: readonly string[],
  strategy: Strategy,
): Record<string, ReleaseVariables> {
  return Object.fromEntries(applications.map((application) => [application, releaseVariables(application, strategy)]));
}

/** The next state after a step. Throws ReleasePlanError when a value is missing or malformed. */
export function planRelease(
  variables: Readonly<Record<string, ReleaseVariables>>,
  current: ReleaseState,
  step: ReleaseStep,
): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const [application, names] of Object.entries(variables)) {
    const version = "versions" in step ? step.versions[application] : undefined;
    if (version !== undefined && !VERSION_PATTERN.test(version)) {
      throw new ReleasePlanError(`the version of ${application} is not ${VERSION_DESCRIPTION}`);
    }
    switch (names.strategy) {
      case "rolling":
        if (version !== undefined && (step.kind === "deploy" || step.kind === "rollback"))
          next[names.version] = version;
        break;
      case "blue-green":
        planBlueGreen(names, next, step, version);
        break;
      case "canary":
        planCanary(names, next, step, version);
        break;
    }
    for (const name of variableNames(names)) {
      if (next[name] === undefined || next[name] === "") {
        throw new ReleasePlanError(
          `no value is known for ${name} (${application} has not been deployed by the workflows yet): deploy it with a version first`,
        );
      }
    }
  }
  return next;
}

/**
 * The applies a step takes, in order, each a complete state; the last is `planRelease`'s. A canary rollback takes
 * two when the canary still gets traffic: first only the weight goes to 0 (a routing reload: the canary stops
 * serving at once), then the versions change, so the slot being replaced never serves during its replacement and
 * no apply waits for a new container while the bad one still takes requests. Every other step is one apply.
 */
export function planReleaseApplies(
  variables: Readonly<Record<string, ReleaseVariables>>,
  current: ReleaseState,
  step: ReleaseStep,
): Array<Record<string, string>> {
  const final = planRelease(variables, current, step);
  if (step.kind !== "rollback") return [final];
  const trafficOff: Record<string, string> = { ...current };
  let canaryServes = false;
  for (const names of Object.values(variables)) {
    if (names.strategy !== "canary") continue;
    const versionsChange =
      final[names.canaryVersion] !== current[names.canaryVersion] ||
      final[names.stableVersion] !== current[names.stableVersion];
    if (versionsChange && current[names.canaryWeight] !== undefined && current[names.canaryWeight] !== "0") {
      trafficOff[names.canaryWeight] = "0";
      canaryServes = true;
    }
  }
  return canaryServes ? [trafficOff, final] : [final];
}

/** The version an application serves in a state: the rolling version, the active slot's, or the stable one. */
export function servingVersion(names: ReleaseVariables, state: ReleaseState): string | undefined {
  switch (names.strategy) {
    case "rolling":
      return state[names.version];
    case "blue-green":
      return state[state[names.activeSlot] === "green" ? names.greenVersion : names.blueVersion];
    case "canary":
      return state[names.stableVersion];
  }
}

/** Every variable an application's strategy needs. */
export function variableNames(names: ReleaseVariables): string[] {
  switch (names.strategy) {
    case "rolling":
      return [names.version];
    case "blue-green":
      return [names.blueVersion, names.greenVersion, names.activeSlot];
    case "canary":
      return [names.stableVersion, names.canaryVersion, names.canaryWeight];
  }
}

type BlueGreen = Extract<ReleaseVariables, { strategy: "blue-green" }>;
type Canary = Extract<ReleaseVariables, { strategy: "canary" }>;

function planBlueGreen(
  names: BlueGreen,
  next: Record<string, string>,
  step: ReleaseStep,
  version: string | undefined,
): void {
  const active = next[names.activeSlot] === "green" ? "green" : "blue";
  const idle = active === "blue" ? "green" : "blue";
  const slotVariable = (slot: "blue" | "green") => (slot === "blue" ? names.blueVersion : names.greenVersion);
  next[names.activeSlot] = active;
  if (version === undefined) return;
  switch (step.kind) {
    case "deploy":
      next[slotVariable(idle)] = version;
      // First deployment: both slots start with the new version.
      if (!next[slotVariable(active)]) next[slotVariable(active)] = version;
      return;
    case "switch":
      if (next[slotVariable(idle)] === version) next[names.activeSlot] = idle;
      return;
    case "rollback":
      if (next[slotVariable(active)] === version) return;
      // The idle slot keeps the previous release up for exactly this: switching back is instant.
      if (next[slotVariable(idle)] !== version) next[slotVariable(idle)] = version;
      next[names.activeSlot] = idle;
      return;
    default:
      return;
  }
}

function planCanary(names: Canary, next: Record<string, string>, step: ReleaseStep, version: string | undefined): void {
  switch (step.kind) {
    case "deploy":
      if (version === undefined) return;
      next[names.canaryVersion] = version;
      if (!next[names.stableVersion]) next[names.stableVersion] = version;
      next[names.canaryWeight] = weight(step.canaryWeight);
      return;
    case "weight":
      next[names.canaryWeight] = weight(step.canaryWeight);
      return;
    case "promote":
    case "rollback":
      if (version === undefined) return;
      next[names.stableVersion] = version;
      next[names.canaryVersion] = version;
      next[names.canaryWeight] = "0";
      return;
    default:
      return;
  }
}

function weight(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 100)
    throw new ReleasePlanError(`a canary weight is a whole percentage from 0 to 100, not ${value}`);
  return String(value);
}
