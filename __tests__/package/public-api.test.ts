import * as api from "../../index";

describe("the public API (index.ts)", () => {
  test("exports the constructs, their helpers a user calls, and nothing else", () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        // config
        "loadConfig",
        "parseConfig",
        "ENVIRONMENT_VARIABLE_OVERRIDES",
        "DEFAULT_CONFIG_FILE",
        "ConfigError",
        "ENVIRONMENT_NAMES",
        // stacks
        "addPipelineStacks",
        "EnvironmentStack",
        "RepositoryStack",
        "REPOSITORY_STACK_NAME",
        "synthesizePipeline",
        "PROVIDER_VERSIONS",
        "pinProviderVersions",
        // constructs
        "DeploymentEnvironment",
        "EnvironmentSecrets",
        "EnvironmentSecretValues",
        "RepositoryGovernance",
        "PipelineWorkflows",
        "pipelineWorkflows",
        "Steps",
        "DockerHost",
        "ServiceDeployment",
        "DeploymentStrategy",
        "releaseVariables",
        "EnvironmentMonitoring",
        "GRAFANA_AUTH_VARIABLE",
        "environmentMonitoringProps",
        "AlertRules",
        "AlertRouting",
        "pipelineDiagramMermaid",
        "Artifacts",
        "GrafanaProvider",
        "GrafanaFolder",
        "GrafanaDataSource",
        "GrafanaDashboard",
      ].sort(),
    );
  });

  test("keeps helpers and the zod schema internal", () => {
    const names = Object.keys(api);
    for (const internal of [
      "pascalCase",
      "pipelineConfigSchema",
      "configureBackend",
      "formatPath",
      "formatIssues",
      "environmentAlerts",
      "renderWorkflow",
      "reviewPlan",
    ]) {
      expect(names).not.toContain(internal);
    }
    const functions = names.filter(
      (name) => typeof (api as Record<string, unknown>)[name] === "function" && !/^[A-Z]/.test(name),
    );
    expect(functions.sort()).toEqual([
      "addPipelineStacks",
      "environmentMonitoringProps",
      "loadConfig",
      "parseConfig",
      "pinProviderVersions",
      "pipelineDiagramMermaid",
      "pipelineWorkflows",
      "releaseVariables",
      "synthesizePipeline",
    ]);
  });
});
