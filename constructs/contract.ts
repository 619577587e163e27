/**
 * Names shared across the pipeline's parts, defined once: the runtime declares these Terraform variables, the
 * deploy and rollback workflows set them, the alerts trigger the rollback workflow by this event, and the
 * dashboards read the deployment records the workflows write.
 */
import type { Strategy } from "../config/runtime-schema";

/** Terraform-safe form of an application name: `web-api` → `web_api`. */
export function variableStem(applicationName: string): string {
  return applicationName.replace(/-/g, "_");
}

/**
 * The Terraform variables through which a deploy sets what runs. Every version is an image tag, so one
 * synthesized stack deploys any version, and rollback is an apply with the known-good one.
 */
export type ReleaseVariables =
  | { readonly strategy: "rolling"; readonly version: string }
  | {
      readonly strategy: "blue-green";
      readonly blueVersion: string;
      readonly greenVersion: string;
      readonly activeSlot: string;
    }
  | {
      readonly strategy: "canary";
      readonly stableVersion: string;
      readonly canaryVersion: string;
      readonly canaryWeight: string;
    };

export function releaseVariables(applicationName: string, strategy: Strategy): ReleaseVariables {
  const stem = variableStem(applicationName);
  switch (strategy.type) {
    case "rolling":
      return { strategy: "rolling", version: `${stem}_version` };
    case "blue-green":
      return {
        strategy: "blue-green",
        blueVersion: `${stem}_blue_version`,
        greenVersion: `${stem}_green_version`,
        activeSlot: `${stem}_active_slot`,
      };
    case "canary":
      return {
        strategy: "canary",
        stableVersion: `${stem}_stable_version`,
        canaryVersion: `${stem}_canary_version`,
        canaryWeight: `${stem}_canary_weight`,
      };
  }
}

/** Sensitive variables holding the container registry's credentials (never in the config). */
export const REGISTRY_USERNAME_VARIABLE = "registry_username";
export const REGISTRY_PASSWORD_VARIABLE = "registry_password";

/** Sensitive Terraform variable with the token Grafana's webhook dispatches the rollback workflow with (`workflow_dispatch`); the deploy workflows supply it. */
export const ROLLBACK_DISPATCH_TOKEN_VARIABLE = "rollback_dispatch_token";

/** GitHub environment variable holding an application's last known-good version, updated after verification. */
export function knownGoodVariable(applicationName: string): string {
  return `KNOWN_GOOD_VERSION_${applicationName.toUpperCase().replace(/-/g, "_")}`;
}

/** Tags of the Grafana annotation a deploy or rollback writes; dashboards filter on them. */
export function deploymentAnnotationTags(record: {
  kind: "deployment" | "rollback";
  environment: string;
  application: string;
  version: string;
  status: string;
}): string[] {
  return [
    record.kind,
    `env:${record.environment}`,
    `app:${record.application}`,
    `version:${record.version}`,
    `status:${record.status}`,
  ];
}

/**
 * Metrics the workflows push to the Prometheus Pushgateway after each deploy and rollback
 * (job `wtfb_deployments`, labels `environment` and `application`); the delivery dashboard reads them.
 */
export const DEPLOYMENT_METRICS = {
  pushgatewayJob: "wtfb_deployments",
  /** Gauge: Unix time of the last deployment, labelled status="success"|"failure". `changes()` counts deployments. */
  lastDeployment: "wtfb_deployment_last_timestamp_seconds",
  /** Gauge: Unix time of the last rollback, labelled with its reason. */
  lastRollback: "wtfb_rollback_last_timestamp_seconds",
  /** Gauge: seconds from the deployed commit to its deployment. */
  leadTime: "wtfb_deployment_lead_time_seconds",
} as const;

/** Slots a container can fill; names carry them so operators can read `docker ps`. */
export type Slot =
  "blue" | "green" | "stable" | "canary" | "proxy" | "port" | "routing" | "backup" | "migrate" | number;

/**
 * Container name: `<app>-<env>-<slot>` (`web-production-canary`, `web-development-1`), optionally qualified by the
 * step or generation it belongs to (`web-staging-blue-migrate`, `web-development-1-3f9a2c1d`).
 */
export function containerName(
  applicationName: string,
  environment: string,
  slot: Slot,
  ...qualifiers: string[]
): string {
  return [applicationName, environment, String(slot), ...qualifiers].join("-");
}

/** The Docker network an environment's containers share. */
export function networkName(environment: string): string {
  return `wtfb-${environment}`;
}
