/** Per-environment defaults from the SOP's environment hierarchy (§1.1) and deployment process (§4). */
import type { EnvironmentName } from "./environments";
import type { EnvironmentProfile } from "./types";
import { RUNTIME_DEFAULTS } from "./runtime-schema";
import { MONITORING_DEFAULTS } from "./monitoring-schema";
import { DEPLOY_DEFAULTS } from "./workflows-schema";

type ProfileDefaults = Omit<EnvironmentProfile, "name" | "policyBranches">;

export const ENVIRONMENT_DEFAULTS: Record<EnvironmentName, ProfileDefaults> = {
  development: {
    purpose: "Active development and initial testing",
    stability: "experimental",
    branches: ["development", "feature/*"],
    tags: [],
    deployOnPush: true,
    reviewers: { users: [], teams: [] },
    preventSelfReview: false,
    waitTimerMinutes: 0,
    canAdminsBypass: true,
    deploymentWindow: null,
    settings: {},
    secrets: [],
    backend: { type: "local" },
    runtime: RUNTIME_DEFAULTS.development,
    monitoring: MONITORING_DEFAULTS.development,
    deploy: DEPLOY_DEFAULTS.development,
  },
  staging: {
    purpose: "Pre-production testing and verification",
    stability: "near-production",
    branches: ["staging", "release/*"],
    tags: [],
    deployOnPush: true,
    reviewers: { users: [], teams: [] },
    preventSelfReview: false,
    waitTimerMinutes: 0,
    canAdminsBypass: true,
    deploymentWindow: null,
    settings: {},
    secrets: [],
    backend: { type: "local" },
    runtime: RUNTIME_DEFAULTS.staging,
    monitoring: MONITORING_DEFAULTS.staging,
    deploy: DEPLOY_DEFAULTS.staging,
  },
  production: {
    purpose: "Live user-facing environment",
    stability: "highly-stable",
    branches: ["main"],
    tags: ["v*"],
    deployOnPush: false,
    reviewers: { users: [], teams: [] },
    preventSelfReview: true,
    waitTimerMinutes: 0,
    canAdminsBypass: false,
    deploymentWindow: { days: ["tue", "wed", "thu"], start: "07:00", end: "10:00", timezone: "UTC" },
    settings: {},
    secrets: [],
    backend: { type: "local" },
    runtime: RUNTIME_DEFAULTS.production,
    monitoring: MONITORING_DEFAULTS.production,
    deploy: DEPLOY_DEFAULTS.production,
  },
};
