/** The resolved pipeline config: every default applied, every environment present. What constructs consume. */
import type { EnvironmentName } from "./environments";
import type { ApplicationConfig, BackendConfig, DeploymentWindow, ParsedPipelineConfig, Reviewers } from "./schema";
import type { EnvironmentRuntime } from "./runtime-schema";
import type { EnvironmentMonitoring } from "./monitoring-schema";
import type { EnvironmentDeploy } from "./workflows-schema";

/** A secret the pipeline needs, by name only. */
export interface SecretDeclaration {
  readonly name: string;
  readonly description?: string;
  /** `terraform`: the value comes from a sensitive Terraform variable; `external`: set outside Terraform. */
  readonly managedBy: "terraform" | "external";
}

/** One environment of the SOP's hierarchy with every setting resolved. */
export interface EnvironmentProfile {
  readonly name: EnvironmentName;
  readonly purpose: string;
  readonly stability: "experimental" | "near-production" | "highly-stable";
  /** Branches that deploy here. */
  readonly branches: readonly string[];
  /** Tags that deploy here. */
  readonly tags: readonly string[];
  /** Branches allowed by the deployment branch policy: `branches`, the default branch (rollbacks run from it), and hotfix branches for staging and production. */
  readonly policyBranches: readonly string[];
  readonly deployOnPush: boolean;
  readonly reviewers: Reviewers;
  readonly preventSelfReview: boolean;
  readonly waitTimerMinutes: number;
  readonly canAdminsBypass: boolean;
  readonly deploymentWindow: DeploymentWindow | null;
  readonly settings: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretDeclaration[];
  readonly backend: BackendConfig;
  readonly runtime: EnvironmentRuntime;
  readonly monitoring: EnvironmentMonitoring;
  readonly deploy: EnvironmentDeploy;
}

export type RepositoryConfig = ParsedPipelineConfig["repository"];
export type MonitoringConfig = ParsedPipelineConfig["monitoring"];
export type WorkflowsConfig = ParsedPipelineConfig["workflows"];
export type { ApplicationConfig, BackendConfig, DeploymentWindow, Reviewers };

/** The whole pipeline: what `loadConfig` returns and every stack is built from. */
export interface PipelineConfig {
  readonly repository: RepositoryConfig;
  readonly applications: readonly ApplicationConfig[];
  /** Always all three, in promotion order. */
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentProfile>>;
  readonly monitoring: MonitoringConfig;
  readonly workflows: WorkflowsConfig;
}
