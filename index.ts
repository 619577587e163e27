/**
 * wtfb-deploy: the WTFB Deployment Process SOP as CDKTF constructs. This file is the public API; everything
 * else is internal and may change without a major version.
 */

// Config: schema, loader, resolved types.
export * from "./config";

// Stacks: one per environment plus the repository stack, and the atomic synth used by the app.
export { EnvironmentStack, type EnvironmentStackProps } from "./stacks/environment-stack";
export { RepositoryStack, REPOSITORY_STACK_NAME, type RepositoryStackProps } from "./stacks/repository-stack";
export { addPipelineStacks, type PipelineStacks } from "./stacks/pipeline";
export { synthesizePipeline, type SynthesizeOptions, type SynthesizeResult } from "./stacks/synthesize";
export { configureBackend } from "./stacks/backend";
export { PROVIDER_VERSIONS, pinProviderVersions } from "./stacks/provider-versions";

// Constructs.
export * from "./constructs/github";
export * from "./constructs/workflows";
export * from "./constructs/runtime";
export * from "./constructs/monitoring";
export * from "./constructs/diagram";
export * from "./constructs/contract";
export { Artifacts } from "./constructs/artifacts";

// Plan review.
export * from "./review";

// Generated Grafana provider bindings the monitoring constructs take (folder, data source, provider, dashboard).
export { GrafanaProvider, type GrafanaProviderConfig } from "./gen/providers/grafana/provider";
export { Folder as GrafanaFolder, type FolderConfig as GrafanaFolderConfig } from "./gen/providers/grafana/folder";
export { DataSource as GrafanaDataSource, type DataSourceConfig as GrafanaDataSourceConfig } from "./gen/providers/grafana/data-source";
export { Dashboard as GrafanaDashboard, type DashboardConfig as GrafanaDashboardConfig } from "./gen/providers/grafana/dashboard";
