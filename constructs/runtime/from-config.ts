/** Maps the resolved pipeline config onto the runtime constructs' props; the stack only composes. */
import type { ApplicationConfig, EnvironmentProfile, PipelineConfig } from "../../config/types";
import type { EnvironmentSecrets } from "../github/environment-secrets";
import { DeploymentStrategy } from "./deployment-strategy";
import { DockerHost, type DockerHostProps } from "./docker-host";
import type { ServiceDeploymentProps } from "./service-deployment";

/** The Docker host of an environment: its daemon address and the registries of every application image. */
export function dockerHostProps(config: PipelineConfig, profile: EnvironmentProfile): DockerHostProps {
  return {
    environmentName: profile.name,
    host: profile.runtime.dockerHost,
    registryAddresses: config.applications.map((application) => DockerHost.registryAddressOf(application.image)),
  };
}

/** One application's deployment in an environment, with the environment's strategy, settings and secrets. */
export function serviceDeploymentProps(
  application: ApplicationConfig,
  profile: EnvironmentProfile,
  host: DockerHost,
  secrets: EnvironmentSecrets,
): ServiceDeploymentProps {
  return {
    host,
    applicationName: application.name,
    image: application.image,
    strategy: DeploymentStrategy.fromConfig(profile.runtime.strategy),
    healthCheck: application.healthCheck,
    containerPort: application.containerPort,
    hostPort: application.hostPort,
    memoryMb: application.memoryMb,
    cpus: application.cpus,
    logMaxSizeMb: application.logMaxSizeMb,
    logMaxFiles: application.logMaxFiles,
    stopGracePeriodSeconds: application.stopGracePeriodSeconds,
    settings: profile.settings,
    secrets,
    database: application.database,
    proxyImage: profile.runtime.proxyImage,
  };
}
