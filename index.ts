/**
 * wtfb-deploy: the WTFB Deployment Process SOP as CDKTF constructs. This file is the public API: the constructs,
 * their props, the config types and the few functions a user calls. Everything else is internal and may change
 * without a major version. cdktf, constructs and the providers are peer dependencies: install them beside it.
 */

// Config: where it comes from, and what it resolves to.
// - loadConfig reads a file (PIPELINE_CONFIG or ./pipeline.config.json), a local .env, and the WTFB_* overrides.
// - parseConfig validates and resolves the object it is given, and nothing else: no file, no .env, no overrides.
export {
  loadConfig,
  parseConfig,
  ENVIRONMENT_VARIABLE_OVERRIDES,
  DEFAULT_CONFIG_FILE,
  type LoadConfigOptions,
  type LoadedConfig,
  type EnvironmentVariableOverride,
} from "./config/load";
export { ConfigError, type ConfigIssue } from "./config/errors";
export { ENVIRONMENT_NAMES, type EnvironmentName, type Weekday } from "./config/environments";
export type { PipelineConfigInput } from "./config/schema";
export type {
  PipelineConfig,
  EnvironmentProfile,
  RepositoryConfig,
  MonitoringConfig,
  WorkflowsConfig,
  SecretDeclaration,
} from "./config/types";

// Stacks: the whole pipeline, or one stack of it; several pipelines share an app through a prefix.
export { addPipelineStacks, type PipelineStacks, type PipelineStacksOptions } from "./stacks/pipeline";
export { EnvironmentStack, type EnvironmentStackProps } from "./stacks/environment-stack";
export { RepositoryStack, REPOSITORY_STACK_NAME, type RepositoryStackProps } from "./stacks/repository-stack";
export { synthesizePipeline, type SynthesizeOptions, type SynthesizeResult } from "./stacks/synthesize";
export { PROVIDER_VERSIONS, pinProviderVersions } from "./stacks/provider-versions";

// GitHub.
export { DeploymentEnvironment, type DeploymentEnvironmentProps } from "./constructs/github/deployment-environment";
export {
  EnvironmentSecrets,
  type EnvironmentReference,
  type EnvironmentSecretsProps,
  type SecretSpec,
} from "./constructs/github/environment-secrets";
export {
  EnvironmentSecretValues,
  type EnvironmentSecretValuesProps,
} from "./constructs/github/environment-secret-values";
export {
  RepositoryGovernance,
  type RepositoryGovernanceProps,
  type RulesetBypassActor,
} from "./constructs/github/repository-governance";

// Workflows.
export {
  PipelineWorkflows,
  pipelineWorkflows,
  type PipelineWorkflowsProps,
} from "./constructs/workflows/pipeline-workflows";
export { Steps, type CheckoutOptions, type ArtifactUpload } from "./constructs/workflows/steps";
export type {
  Workflow,
  Job,
  RunnerJob,
  CallJob,
  Step,
  RunStep,
  UsesStep,
  Triggers,
  Permissions,
} from "./constructs/workflows/workflows-model";

// Runtime.
export { DockerHost, type DockerHostProps } from "./constructs/runtime/docker-host";
export {
  ServiceDeployment,
  type ServiceDeploymentProps,
  type DatabaseMigrationOptions,
  type HealthCheck,
} from "./constructs/runtime/service-deployment";
export { DeploymentStrategy, type RollingOptions, type CanaryOptions } from "./constructs/runtime/deployment-strategy";
export { releaseVariables, type ReleaseVariables } from "./constructs/contract";

// Monitoring.
export {
  EnvironmentMonitoring,
  GRAFANA_AUTH_VARIABLE,
  type EnvironmentMonitoringProps,
  type MonitoredApplication,
  type RollbackDispatch,
} from "./constructs/monitoring/environment-monitoring";
export { environmentMonitoringProps } from "./constructs/monitoring/from-config";
export { AlertRules, type AlertRulesProps } from "./constructs/monitoring/alert-rules";
export { AlertRouting, type AlertRoutingProps } from "./constructs/monitoring/alert-routing";
export type { AlertRule, AlertAction, AlertSeverity, NoDataBehaviour } from "./constructs/monitoring/alert-model";

// The pipeline as a diagram, and the files the constructs write beside the stacks.
export { pipelineDiagramMermaid } from "./constructs/diagram/pipeline-diagram";
export { Artifacts } from "./constructs/artifacts";

// Generated Grafana provider bindings the monitoring constructs take (folder, data source, provider, dashboard).
export { GrafanaProvider, type GrafanaProviderConfig } from "./gen/providers/grafana/provider";
export { Folder as GrafanaFolder, type FolderConfig as GrafanaFolderConfig } from "./gen/providers/grafana/folder";
export {
  DataSource as GrafanaDataSource,
  type DataSourceConfig as GrafanaDataSourceConfig,
} from "./gen/providers/grafana/data-source";
export {
  Dashboard as GrafanaDashboard,
  type DashboardConfig as GrafanaDashboardConfig,
} from "./gen/providers/grafana/dashboard";
