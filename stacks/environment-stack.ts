import type { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import type { EnvironmentName } from "../config/environments";
import type { PipelineConfig } from "../config/types";
import { DeploymentEnvironment } from "../constructs/github/deployment-environment";
import { EnvironmentSecrets } from "../constructs/github/environment-secrets";
import { DockerHost } from "../constructs/runtime/docker-host";
import { dockerHostProps, serviceDeploymentProps } from "../constructs/runtime/from-config";
import { ServiceDeployment } from "../constructs/runtime/service-deployment";
import { EnvironmentMonitoring } from "../constructs/monitoring/environment-monitoring";
import { environmentMonitoringProps } from "../constructs/monitoring/from-config";
import { configureBackend } from "./backend";
import { pinProviderVersions } from "./provider-versions";

export interface EnvironmentStackProps {
  /** The resolved pipeline config. */
  readonly config: PipelineConfig;
  /** Which of the SOP's environments this stack provisions. */
  readonly environment: EnvironmentName;
}

/**
 * Everything one environment needs (development, staging or production): its GitHub environment with
 * protection rules, variables and secrets; the container runtime; monitoring. `cdktf deploy <environment>`
 * deploys exactly this.
 */
export class EnvironmentStack extends TerraformStack {
  public readonly deploymentEnvironment: DeploymentEnvironment;
  public readonly secrets: EnvironmentSecrets;
  /** The environment's Docker host: provider and network. */
  public readonly dockerHost: DockerHost;
  /** One deployment per application, in config order. */
  public readonly services: readonly ServiceDeployment[];

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, props.environment);
    const { config } = props;
    const profile = config.environments[props.environment];
    configureBackend(this, props.environment, profile.backend);
    new GithubProvider(this, "github", { owner: config.repository.owner });
    pinProviderVersions(this);

    this.deploymentEnvironment = new DeploymentEnvironment(this, "environment", {
      repository: config.repository.name,
      environmentName: profile.name,
      reviewerUsers: profile.reviewers.users,
      reviewerTeams: profile.reviewers.teams,
      preventSelfReview: profile.preventSelfReview,
      waitTimerMinutes: profile.waitTimerMinutes,
      canAdminsBypass: profile.canAdminsBypass,
      branchPatterns: profile.policyBranches,
      tagPatterns: profile.tags,
      variables: profile.settings,
    });
    this.secrets = new EnvironmentSecrets(this, "secrets", {
      environment: this.deploymentEnvironment,
      secrets: profile.secrets,
    });

    this.dockerHost = new DockerHost(this, "docker-host", dockerHostProps(config, profile));
    this.services = config.applications.map(
      (application) => new ServiceDeployment(this, `service-${application.name}`, serviceDeploymentProps(application, profile, this.dockerHost, this.secrets)),
    );

    new EnvironmentMonitoring(this, "monitoring", environmentMonitoringProps(config, props.environment));
  }
}
