import { Construct } from "constructs";
import { Token } from "cdktf";
import { ActionsEnvironmentVariable } from "@cdktf/provider-github/lib/actions-environment-variable";
import { DataGithubTeam } from "@cdktf/provider-github/lib/data-github-team";
import { DataGithubUser } from "@cdktf/provider-github/lib/data-github-user";
import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryEnvironmentDeploymentPolicy } from "@cdktf/provider-github/lib/repository-environment-deployment-policy";

export interface DeploymentEnvironmentProps {
  /** Name of the repository (owned by the GitHub provider's owner). */
  readonly repository: string;
  /** Name of the GitHub environment; deploy jobs name it to get its protection rules. */
  readonly environmentName: string;
  /** GitHub usernames, any one of whom may approve a deployment. @default - none */
  readonly reviewerUsers?: readonly string[];
  /** Team slugs, any member of which may approve a deployment. @default - none */
  readonly reviewerTeams?: readonly string[];
  /** The person who triggered a deployment cannot approve it. @default false */
  readonly preventSelfReview?: boolean;
  /** Minutes a deployment waits after approval before it starts. @default 0 */
  readonly waitTimerMinutes?: number;
  /** Repository admins may skip the protection rules. @default true */
  readonly canAdminsBypass?: boolean;
  /** Branches that may deploy here. With `tagPatterns` both empty, any branch may deploy. @default - none */
  readonly branchPatterns?: readonly string[];
  /** Tags that may deploy here. @default - none */
  readonly tagPatterns?: readonly string[];
  /** Non-secret settings, provisioned as environment variables. @default - none */
  readonly variables?: Readonly<Record<string, string>>;
}

/**
 * A GitHub environment with its protection rules (SOP §1.1, §4.2): reviewers, self-review prevention,
 * a wait timer, admin bypass, and the branches and tags allowed to deploy to it.
 */
export class DeploymentEnvironment extends Construct {
  /** Name of the GitHub environment. */
  public readonly environmentName: string;
  /** Repository the environment belongs to. */
  public readonly repository: string;
  /** The `github_repository_environment` resource. */
  public readonly resource: RepositoryEnvironment;

  constructor(scope: Construct, id: string, props: DeploymentEnvironmentProps) {
    super(scope, id);
    this.environmentName = props.environmentName;
    this.repository = props.repository;

    const users = (props.reviewerUsers ?? []).map((username) =>
      Token.asNumber(new DataGithubUser(this, `reviewer-user-${username}`, { username }).id),
    );
    const teams = (props.reviewerTeams ?? []).map((slug) =>
      Token.asNumber(new DataGithubTeam(this, `reviewer-team-${slug}`, { slug }).id),
    );
    const branchPatterns = props.branchPatterns ?? [];
    const tagPatterns = props.tagPatterns ?? [];
    const restricted = branchPatterns.length + tagPatterns.length > 0;

    this.resource = new RepositoryEnvironment(this, "environment", {
      repository: props.repository,
      environment: props.environmentName,
      preventSelfReview: props.preventSelfReview ?? false,
      waitTimer: props.waitTimerMinutes ?? 0,
      canAdminsBypass: props.canAdminsBypass ?? true,
      reviewers: users.length + teams.length > 0 ? [{ users, teams }] : undefined,
      deploymentBranchPolicy: restricted ? { protectedBranches: false, customBranchPolicies: true } : undefined,
    });

    for (const pattern of branchPatterns) {
      new RepositoryEnvironmentDeploymentPolicy(this, `branch-policy-${pattern}`, {
        repository: props.repository,
        environment: this.resource.environment,
        branchPattern: pattern,
      });
    }
    for (const pattern of tagPatterns) {
      new RepositoryEnvironmentDeploymentPolicy(this, `tag-policy-${pattern}`, {
        repository: props.repository,
        environment: this.resource.environment,
        tagPattern: pattern,
      });
    }
    for (const [name, value] of Object.entries(props.variables ?? {})) {
      this.addVariable(name, value);
    }
  }

  /** Adds a non-secret environment variable, readable by deploy jobs as `vars.<name>`. */
  public addVariable(name: string, value: string): ActionsEnvironmentVariable {
    return new ActionsEnvironmentVariable(this, `variable-${name}`, {
      repository: this.repository,
      environment: this.resource.environment,
      variableName: name,
      value,
    });
  }
}
