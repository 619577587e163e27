/** Maps the resolved pipeline config onto the monitoring constructs' props; the stack only composes. */
import type { EnvironmentName } from "../../config/environments";
import type { PipelineConfig } from "../../config/types";
import { environmentGrafanaUrl } from "./alert-checks";
import type { EnvironmentMonitoringProps } from "./environment-monitoring";

/** The monitoring of one environment of the pipeline: its Grafana, Prometheus, thresholds, applications and routing. */
export function environmentMonitoringProps(
  config: PipelineConfig,
  environment: EnvironmentName,
): EnvironmentMonitoringProps {
  const monitoring = config.environments[environment].monitoring;
  return {
    environmentName: environment,
    grafanaUrl: environmentGrafanaUrl(config, environment),
    grafanaOrgId: monitoring.grafanaOrgId,
    prometheusUrl: monitoring.prometheusUrl,
    applications: config.applications.map((application) => ({
      name: application.name,
      cpus: application.cpus,
      memoryMb: application.memoryMb,
    })),
    alerts: monitoring,
    metrics: config.monitoring.metrics,
    rollback: {
      repositoryOwner: config.repository.owner,
      repositoryName: config.repository.name,
      githubApiUrl: config.monitoring.githubApiUrl,
      dispatchRef: config.repository.defaultBranch,
    },
    stakeholders: config.monitoring.stakeholders,
  };
}
