import { DEFAULT_CANARY_STEPS, type Strategy } from "../../config/runtime-schema";

/** Options of a rolling deployment. */
export interface RollingOptions {
  /** Replicas, replaced one after another. @default 1 */
  readonly replicas?: number;
}

/** Options of a canary deployment. */
export interface CanaryOptions {
  /** Canary traffic weights in percent, rising; the deploy workflow steps through them. @default [5, 25, 50, 100] */
  readonly steps?: readonly number[];
}

/** The canary weights the SOP's gradual rollout goes through when the config names none (one constant, the config's). */
export { DEFAULT_CANARY_STEPS };

/**
 * How a new release replaces the running one (SOP §4.2): rolling replicas, blue-green slots behind a switch, or a
 * canary slot taking a rising share of traffic beside the stable one.
 */
export class DeploymentStrategy {
  /** N replicas replaced one at a time, each healthy before the next is touched. */
  public static rolling(options: RollingOptions = {}): DeploymentStrategy {
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`DeploymentStrategy.rolling: replicas is ${replicas}; use a whole number of at least 1`);
    }
    return new DeploymentStrategy({ type: "rolling", replicas });
  }

  /** Two slots, blue and green, each pinned to its own version; the proxy sends all traffic to the active one. */
  public static blueGreen(): DeploymentStrategy {
    return new DeploymentStrategy({ type: "blue-green" });
  }

  /** A stable and a canary slot; the proxy sends the canary weight's share of requests to the canary. */
  public static canary(options: CanaryOptions = {}): DeploymentStrategy {
    const steps = [...(options.steps ?? DEFAULT_CANARY_STEPS)];
    if (steps.length === 0)
      throw new Error(
        "DeploymentStrategy.canary: steps is empty; list the weights to go through, e.g. [5, 25, 50, 100]",
      );
    steps.forEach((step, index) => {
      if (!Number.isInteger(step) || step < 0 || step > 100) {
        throw new Error(
          `DeploymentStrategy.canary: steps[${index}] is ${step}; a canary weight is a whole percentage from 0 to 100`,
        );
      }
      if (index > 0 && step <= steps[index - 1]) {
        throw new Error(
          `DeploymentStrategy.canary: steps[${index}] (${step}) does not rise above ${steps[index - 1]}; list the weights in increasing order`,
        );
      }
    });
    return new DeploymentStrategy({ type: "canary", steps });
  }

  /** The strategy a config names. */
  public static fromConfig(strategy: Strategy): DeploymentStrategy {
    switch (strategy.type) {
      case "rolling":
        return DeploymentStrategy.rolling({ replicas: strategy.replicas });
      case "blue-green":
        return DeploymentStrategy.blueGreen();
      case "canary":
        return DeploymentStrategy.canary({ steps: strategy.steps });
    }
  }

  /** The strategy as the config and the shared contract (`releaseVariables`) describe it. */
  public readonly config: Strategy;

  private constructor(config: Strategy) {
    this.config = config;
  }

  /** `rolling`, `blue-green` or `canary`. */
  public get type(): Strategy["type"] {
    return this.config.type;
  }

  /** One-line description for docs and messages: `rolling (3 replicas)`. */
  public toString(): string {
    switch (this.config.type) {
      case "rolling":
        return `rolling (${this.config.replicas} replica${this.config.replicas === 1 ? "" : "s"})`;
      case "blue-green":
        return "blue-green";
      case "canary":
        return `canary (weights ${this.config.steps.join(" → ")})`;
    }
  }
}
