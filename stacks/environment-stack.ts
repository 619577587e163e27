import type { Construct } from "constructs";
import { Annotations, TerraformStack } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import type { EnvironmentName } from "../config/environments";
import type { PipelineConfig } from "../config/types";
import { EnvironmentSecrets } from "../constructs/github/environment-secrets";
import { DockerHost } from "../constructs/runtime/docker-host";
import { dockerHostProps, serviceDeploymentProps } from "../constructs/runtime/from-config";
import { ServiceDeployment } from "../constructs/runtime/service-deployment";
import { EnvironmentMonitoring } from "../constructs/monitoring/environment-monitoring";
import { environmentMonitoringProps } from "../constructs/monitoring/from-config";
import { pinProviderVersions } from "./provider-versions";
import { Artifacts } from "../constructs/artifacts";
import { configureBackend, localStateWarning } from "./backend";
import { pipelineStackName } from "./names";
import { forgetMovedGithubAdministration } from "./moved-to-repository";

export interface EnvironmentStackProps {
  /** The resolved pipeline config. */
  readonly config: PipelineConfig;
  /** Which of the SOP's environments this stack provisions. */
  readonly environment: EnvironmentName;
  /**
   * Prefix of the stack's name and of its artifact directory, so that several pipelines share one app: with
   * "team-b" the stack is `team-b-staging` and its files go under `cdktf.out/team-b/`.
   * @default - none: the stack is named after the environment and its files go in the output directory itself
   */
  readonly prefix?: string;
}

/**
 * What one environment runs (development, staging or production): the container runtime and monitoring, with the
 * environment's secrets as sensitive variables (and a read-only check that those set outside Terraform exist).
 * `cdktf deploy <environment>` deploys exactly this, with the environment's `DEPLOY_TOKEN`. The GitHub environment
 * itself (reviewers, deployment policies, variables, secret values) belongs to the repository stack: nothing here
 * needs Administration write or writes a secret (docs/workflows.md, "Threat model").
 */
export class EnvironmentStack extends TerraformStack {
  /** The environment's secrets as the deploy sees them: sensitive variables, and the check of external ones. */
  public readonly secrets: EnvironmentSecrets;
  /** The environment's Docker host: provider and network. */
  public readonly dockerHost: DockerHost;
  /** One deployment per application, in config order. */
  public readonly services: readonly ServiceDeployment[];

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const name = pipelineStackName(props.prefix, props.environment);
    super(scope, name);
    Artifacts.useDirectory(this, props.prefix ?? "");
    const { config } = props;
    const profile = config.environments[props.environment];
    configureBackend(this, name, profile.backend);
    // The cdktf CLI prints a stack's warnings as warnings (npm run synth prints synthesizePipeline's).
    if (props.environment !== "development" && profile.backend.type === "local") {
      Annotations.of(this).addWarning(localStateWarning(name, `environments.${props.environment}.backend`));
    }
    new GithubProvider(this, "github", { owner: config.repository.owner });
    pinProviderVersions(this);

    // Earlier releases kept the GitHub environment here; the repository stack owns it now. This stack forgets those
    // resources instead of destroying them (CHANGELOG, "Upgrading").
    forgetMovedGithubAdministration(this, profile);
    this.secrets = new EnvironmentSecrets(this, "secrets", {
      environment: { repository: config.repository.name, environmentName: profile.name },
      secrets: profile.secrets,
    });

    this.dockerHost = new DockerHost(this, "docker-host", dockerHostProps(config, profile));
    // A loop, not map(): cdktf captures the whole call stack for every token, and each provider resource creates a
    // dozen; map's callback and Array.map add two frames to each of those captures, for every application.
    const services: ServiceDeployment[] = [];
    for (const application of config.applications) {
      services.push(
        new ServiceDeployment(
          this,
          `service-${application.name}`,
          serviceDeploymentProps(application, profile, this.dockerHost, this.secrets),
        ),
      );
    }
    this.services = services;

    new EnvironmentMonitoring(this, "monitoring", environmentMonitoringProps(config, props.environment));
  }
}
