import type { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../config/environments";
import type { PipelineConfig } from "../config/types";
import { DeploymentEnvironment } from "../constructs/github/deployment-environment";
import {
  EnvironmentSecretValues,
  environmentSecretVariablePrefix,
} from "../constructs/github/environment-secret-values";
import { ADMIN_ENVIRONMENT, RELEASE_ENVIRONMENT } from "../constructs/workflows/pipeline-secrets";
import { ciRequiredChecks } from "../constructs/workflows/ci-workflow";
import { PipelineWorkflows, pipelineWorkflows } from "../constructs/workflows/pipeline-workflows";
import { RepositoryGovernance, type RulesetBypassActor } from "../constructs/github/repository-governance";
import { Artifacts } from "../constructs/artifacts";
import { PIPELINE_DIAGRAM_ARTIFACT, pipelineDiagramMarkdown } from "../constructs/diagram/pipeline-diagram";
import { configureBackend } from "./backend";
import { pinProviderVersions } from "./provider-versions";
import { pipelineStackName } from "./names";

/** Name of the stack that owns repository-wide resources (prefixed like every stack of a prefixed pipeline). */
export const REPOSITORY_STACK_NAME = "repository";

export interface RepositoryStackProps {
  /** The resolved pipeline config. */
  readonly config: PipelineConfig;
  /**
   * Prefix of the stack's name and of its artifact directory, so that several pipelines share one app: with
   * "team-b" the stack is `team-b-repository` and its files go under `cdktf.out/team-b/`.
   * @default - none: the stack is `repository` and its files go in the output directory itself
   */
  readonly prefix?: string;
}

/**
 * Repository-wide resources, owned here and nowhere else: the rulesets, every GitHub environment with its protection
 * rules, variables and Terraform-managed secrets, and the workflow files (and, as files beside the stacks, the
 * workflows and the pipeline diagram). Whatever needs Administration write or may write an environment's secrets is
 * here, applied only by `repository.yml` (default branch, `repository` environment): a deploy, whose token is
 * reachable from unreviewed branches, cannot change any environment's reviewers (docs/workflows.md, "Threat model").
 * Environment stacks never manage these, so no two stacks fight over one Terraform object.
 */
export class RepositoryStack extends TerraformStack {
  public readonly governance: RepositoryGovernance;
  public readonly workflows: PipelineWorkflows;
  /** The GitHub environment of each deployment environment, with its reviewers and deployment policies. */
  public readonly deploymentEnvironments: Readonly<Record<EnvironmentName, DeploymentEnvironment>>;
  /** The environments that hold the pipeline's own tokens: `repository` (the admin token) and `release` (the release token). */
  public readonly pipelineEnvironments: Readonly<Record<"repository" | "release", DeploymentEnvironment>>;
  /** The Terraform-managed secrets of each deployment environment. */
  public readonly secretValues: Readonly<Record<EnvironmentName, EnvironmentSecretValues>>;

  constructor(scope: Construct, props: RepositoryStackProps) {
    const name = pipelineStackName(props.prefix, REPOSITORY_STACK_NAME);
    super(scope, name);
    Artifacts.useDirectory(this, props.prefix ?? "");
    const { config } = props;
    configureBackend(this, name, config.repository.backend ?? { type: "local" });
    new GithubProvider(this, "github", { owner: config.repository.owner });
    pinProviderVersions(this);

    this.governance = new RepositoryGovernance(this, "governance", {
      repository: config.repository.name,
      requiredApprovals: config.repository.requiredApprovals,
      requiredChecks: ciRequiredChecks(config),
      requiredDeploymentEnvironments: ["staging"],
      releaseTagPatterns: config.environments.production.tags,
      bypassActors: bypassActors(config.repository.rulesetBypass),
    });

    const repository = config.repository.name;
    const environmentEntries = ENVIRONMENT_NAMES.map((environment) => {
      const profile = config.environments[environment];
      const deploymentEnvironment = new DeploymentEnvironment(this, `environment-${environment}`, {
        repository,
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
      const secretValues = new EnvironmentSecretValues(this, `secrets-${environment}`, {
        environment: deploymentEnvironment,
        secrets: profile.secrets,
        variablePrefix: environmentSecretVariablePrefix(environment),
      });
      return [environment, { deploymentEnvironment, secretValues }] as const;
    });
    this.deploymentEnvironments = Object.fromEntries(
      environmentEntries.map(([name, e]) => [name, e.deploymentEnvironment]),
    ) as Record<EnvironmentName, DeploymentEnvironment>;
    this.secretValues = Object.fromEntries(environmentEntries.map(([name, e]) => [name, e.secretValues])) as Record<
      EnvironmentName,
      EnvironmentSecretValues
    >;

    // The environments whose secrets are the pipeline's strongest tokens: the default branch only, and production's
    // reviewers (the config has no reviewers of their own; whoever may release to production approves these).
    const production = config.environments.production;
    const pipelineEnvironment = (environmentName: string) =>
      new DeploymentEnvironment(this, `environment-${environmentName}`, {
        repository,
        environmentName,
        reviewerUsers: production.reviewers.users,
        reviewerTeams: production.reviewers.teams,
        preventSelfReview: production.preventSelfReview,
        canAdminsBypass: production.canAdminsBypass,
        branchPatterns: [config.repository.defaultBranch],
      });
    this.pipelineEnvironments = {
      repository: pipelineEnvironment(ADMIN_ENVIRONMENT),
      release: pipelineEnvironment(RELEASE_ENVIRONMENT),
    };

    this.workflows = new PipelineWorkflows(this, "workflows", {
      repository: config.repository.name,
      branch: config.repository.defaultBranch,
      workflows: pipelineWorkflows(config),
    });
    Artifacts.of(this).add(PIPELINE_DIAGRAM_ARTIFACT, pipelineDiagramMarkdown(config));
  }
}

/** GitHub's built-in repository role id of "admin". */
const REPOSITORY_ADMIN_ROLE_ID = 5;

function bypassActors(bypass: PipelineConfig["repository"]["rulesetBypass"]): RulesetBypassActor[] {
  switch (bypass.type) {
    case "repository-admins":
      return [{ actorType: "RepositoryRole", actorId: REPOSITORY_ADMIN_ROLE_ID, bypassMode: "always" }];
    case "github-app":
      return [{ actorType: "Integration", actorId: bypass.appId, bypassMode: "always" }];
    case "none":
      return [];
  }
}
