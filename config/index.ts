export * from "./environments";
export * from "./errors";
export * from "./types";
export { pipelineConfigSchema, type PipelineConfigInput } from "./schema";
export {
  loadConfig,
  parseConfig,
  ENVIRONMENT_VARIABLE_OVERRIDES,
  DEFAULT_CONFIG_FILE,
  type LoadConfigOptions,
  type LoadedConfig,
} from "./load";
export { ENVIRONMENT_DEFAULTS } from "./defaults";
