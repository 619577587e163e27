/**
 * Rules that span fields, checked on the resolved config (defaults applied) before any construct exists.
 * Each returns every problem it finds, with the JSON path a user would edit.
 */
import { ENVIRONMENT_NAMES } from "./environments";
import type { ConfigIssue } from "./errors";
import { invalidRefPatternReason } from "./patterns";
import { checkAlerts, checkGrafanaOrganizations, checkGrafanaVersions } from "../constructs/monitoring/alert-checks";
import { checkRuntime } from "./runtime-schema";
import type { PipelineConfig } from "./types";
import { WORKFLOW_CONFIG_CHECKS } from "./workflows-schema";

export type ConfigCheck = (config: PipelineConfig) => ConfigIssue[];

/** Looks like a credential: such a value belongs under `secrets`, never in `settings`. */
const SECRET_LIKE_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)/;

export const checkProductionReviewers: ConfigCheck = (config) => {
  const { users, teams } = config.environments.production.reviewers;
  return users.length + teams.length === 0
    ? [
        {
          path: "environments.production.reviewers",
          message: "production needs at least one reviewer (SOP §4.2: project leads approve production deployments)",
          fix: 'add a user or team, e.g. "reviewers": { "teams": ["release-managers"] }',
        },
      ]
    : [];
};

export const checkReviewerCount: ConfigCheck = (config) =>
  ENVIRONMENT_NAMES.flatMap((name) => {
    const { users, teams } = config.environments[name].reviewers;
    return users.length + teams.length > 6
      ? [
          {
            path: `environments.${name}.reviewers`,
            message: `has ${users.length + teams.length} reviewers; GitHub allows at most 6 per environment`,
            fix: "use a team instead of listing its members",
          },
        ]
      : [];
  });

export const checkRefPatterns: ConfigCheck = (config) => {
  const issues: ConfigIssue[] = [];
  const check = (path: string, pattern: string) => {
    const reason = invalidRefPatternReason(pattern);
    if (reason)
      issues.push({
        path,
        message: `branch pattern ${JSON.stringify(pattern)} ${reason}`,
        fix: "use a git ref name, with * for one path component (feature/*) or ** for any depth",
      });
  };
  check("repository.hotfixBranches", config.repository.hotfixBranches);
  for (const name of ENVIRONMENT_NAMES) {
    const environment = config.environments[name];
    environment.branches.forEach((pattern, index) => check(`environments.${name}.branches[${index}]`, pattern));
    environment.tags.forEach((pattern, index) => check(`environments.${name}.tags[${index}]`, pattern));
    if (environment.branches.length + environment.tags.length === 0) {
      issues.push({
        path: `environments.${name}.branches`,
        message: `${name} has no branch or tag that may deploy to it`,
        fix: "list at least one branch or tag pattern",
      });
    }
  }
  return issues;
};

export const checkSecretsAndSettings: ConfigCheck = (config) => {
  const issues: ConfigIssue[] = [];
  for (const name of ENVIRONMENT_NAMES) {
    const environment = config.environments[name];
    const seen = new Map<string, number>();
    environment.secrets.forEach((secret, index) => {
      const first = seen.get(secret.name);
      if (first !== undefined) {
        issues.push({
          path: `environments.${name}.secrets[${index}]`,
          message: `secret ${secret.name} is declared twice (first at secrets[${first}])`,
          fix: "remove one of the two declarations",
        });
      } else {
        seen.set(secret.name, index);
      }
      if (secret.name in environment.settings) {
        issues.push({
          path: `environments.${name}.secrets[${index}]`,
          message: `${secret.name} is both a secret and a setting`,
          fix: `remove it from environments.${name}.settings`,
        });
      }
    });
    for (const key of Object.keys(environment.settings)) {
      if (SECRET_LIKE_NAME.test(key)) {
        issues.push({
          path: `environments.${name}.settings.${key}`,
          message: `${key} looks like a credential, and settings are stored in plain text`,
          fix: `move it to environments.${name}.secrets (its value then comes from TF_VAR_secret_${key.toLowerCase()})`,
        });
      }
    }
  }
  return issues;
};

export const checkApplications: ConfigCheck = (config) => {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  const ports = new Map<number, number>();
  config.applications.forEach((application, index) => {
    const sameName = names.get(application.name);
    if (sameName !== undefined) {
      issues.push({
        path: `applications[${index}].name`,
        message: `application name ${application.name} is used twice (first at applications[${sameName}])`,
        fix: "give each application its own name",
      });
    } else {
      names.set(application.name, index);
    }
    if (application.hostPort !== undefined) {
      const samePort = ports.get(application.hostPort);
      if (samePort !== undefined) {
        issues.push({
          path: `applications[${index}].hostPort`,
          message: `host port ${application.hostPort} is already published by applications[${samePort}] (${config.applications[samePort].name})`,
          fix: "give each application its own hostPort",
        });
      } else {
        ports.set(application.hostPort, index);
      }
    }
  });
  return issues;
};

export const checkDeploymentWindows: ConfigCheck = (config) =>
  ENVIRONMENT_NAMES.flatMap((name) => {
    const window = config.environments[name].deploymentWindow;
    return window && window.start === window.end
      ? [
          {
            path: `environments.${name}.deploymentWindow`,
            message: "start and end are the same time, so the window is empty",
            fix: "set end after start (an end before start spans midnight), or null for no window",
          },
        ]
      : [];
  });

/** Every cross-field check, in the order their problems are reported. */
export const CONFIG_CHECKS: ConfigCheck[] = [
  checkApplications,
  checkRuntime,
  checkRefPatterns,
  checkProductionReviewers,
  checkReviewerCount,
  checkSecretsAndSettings,
  checkDeploymentWindows,
  ...WORKFLOW_CONFIG_CHECKS,
  checkAlerts,
  checkGrafanaOrganizations,
  checkGrafanaVersions,
];
