import type { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import type { PipelineConfig } from "../config/types";
import { ciRequiredChecks } from "../constructs/workflows/ci-workflow";
import { PipelineWorkflows, pipelineWorkflows } from "../constructs/workflows/pipeline-workflows";
import { RepositoryGovernance, type RulesetBypassActor } from "../constructs/github/repository-governance";
import { configureBackend } from "./backend";
import { pinProviderVersions } from "./provider-versions";

/** Name of the stack that owns repository-wide resources. */
export const REPOSITORY_STACK_NAME = "repository";

export interface RepositoryStackProps {
  /** The resolved pipeline config. */
  readonly config: PipelineConfig;
}

/**
 * Repository-wide resources, owned here and nowhere else: the rulesets and the workflow files.
 * Environment stacks never manage these, so no two stacks fight over one Terraform object.
 */
export class RepositoryStack extends TerraformStack {
  public readonly governance: RepositoryGovernance;
  public readonly workflows: PipelineWorkflows;

  constructor(scope: Construct, props: RepositoryStackProps) {
    super(scope, REPOSITORY_STACK_NAME);
    const { config } = props;
    configureBackend(this, REPOSITORY_STACK_NAME, config.repository.backend ?? { type: "local" });
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

    this.workflows = new PipelineWorkflows(this, "workflows", {
      repository: config.repository.name,
      branch: config.repository.defaultBranch,
      workflows: pipelineWorkflows(config),
    });
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
