/**
 * Which attribute changes make Terraform replace (destroy, then create) a resource instead of updating it in place,
 * for the resource types this project synthesizes. Read from the providers' source at the pinned versions
 * (`ForceNew`, `RequiresReplace`, CustomizeDiff): integrations/github v6.6.0, kreuzwerker/docker v4.6.0,
 * grafana/grafana v4.45.1, and Terraform's own `terraform_data`. A type not listed here, or an attribute a rule does not classify, "may replace".
 */

export type ReplacementVerdict = "replaces" | "in-place" | "may-replace";

interface ReplacementRule {
  /** Top-level attributes whose change replaces the resource. */
  readonly replacedBy: readonly string[];
  /** Attributes the provider updates in place; absent: every attribute not in `replacedBy`. */
  readonly updatedInPlace?: readonly string[];
  /** Changes that replace only in some cases (a provider CustomizeDiff). */
  readonly replacesWhen?: (attribute: string, before: unknown, after: unknown) => boolean;
}

/** Meta-arguments change what Terraform does, not the remote object. */
const META_ARGUMENTS = new Set(["depends_on", "lifecycle", "provider", "connection", "provisioner", "timeouts"]);

const GRAFANA_ORG = "org_id";

const RULES: Readonly<Record<string, ReplacementRule>> = {
  // integrations/github v6.6.0
  github_repository_environment: { replacedBy: ["repository", "environment"] },
  github_repository_environment_deployment_policy: {
    replacedBy: ["repository", "environment"],
    // Switching a policy between branch and tag pattern replaces it; editing the pattern does not.
    replacesWhen: (attribute, before, after) =>
      (attribute === "branch_pattern" || attribute === "tag_pattern") && (isUnset(before) || isUnset(after)),
  },
  github_actions_environment_secret: {
    replacedBy: ["repository", "environment", "secret_name", "plaintext_value", "encrypted_value"],
  },
  github_actions_environment_variable: { replacedBy: ["environment", "variable_name"] },
  github_repository_file: { replacedBy: ["repository", "file", "branch", "ref"] },
  github_repository_ruleset: { replacedBy: [] },
  // Terraform's built-in terraform_data: a new triggers_replace replaces it (and gives it a new id); input updates it.
  terraform_data: { replacedBy: ["triggers_replace"], updatedInPlace: ["input"] },
  // kreuzwerker/docker v4.6.0: a container is replaced for nearly any change; the update applies only these.
  docker_container: {
    replacedBy: [
      "capabilities",
      "cgroup_parent",
      "cgroupns_mode",
      "command",
      "cpus",
      "device_cgroup_rules",
      "device_requests",
      "devices",
      "dns",
      "dns_opts",
      "dns_search",
      "domainname",
      "entrypoint",
      "env",
      "gpus",
      "group_add",
      "host",
      "hostname",
      "image",
      "ipc_mode",
      "labels",
      "log_driver",
      "log_opts",
      "mounts",
      "name",
      "network_mode",
      "networks_advanced",
      "pid_mode",
      "platform",
      "ports",
      "privileged",
      "publish_all_ports",
      "read_only",
      "runtime",
      "security_opts",
      "shm_size",
      "stdin_open",
      "stop_signal",
      "stop_timeout",
      "storage_opts",
      "sysctls",
      "tty",
      "ulimit",
      "upload",
      "user",
      "userns_mode",
      "volumes",
      "working_dir",
    ],
    // Resource limits and restart policy go through `docker update`; the rest only change how Terraform handles the container.
    updatedInPlace: [
      "restart",
      "max_retry_count",
      "cpu_shares",
      "memory",
      "memory_reservation",
      "cpu_set",
      "memory_swap",
      "device_read_bps",
      "device_read_iops",
      "device_write_bps",
      "device_write_iops",
      "must_run",
      "destroy_grace_seconds",
      "remove_volumes",
      "rm",
      "start",
      "attach",
      "logs",
      "wait",
      "wait_timeout",
      "container_read_refresh_timeout_milliseconds",
      // The block is ForceNew, its fields are not: editing them is an update, of Terraform's state only (the running
      // container keeps its health check); adding the block replaces the container.
      "healthcheck",
    ],
    replacesWhen: (attribute, before, after) => attribute === "healthcheck" && isUnset(before) && !isUnset(after),
  },
  docker_image: {
    replacedBy: ["name", "platform", "pull_triggers", "triggers", "build"],
    updatedInPlace: ["keep_locally", "force_remove"],
  },
  docker_network: {
    replacedBy: [
      "attachable",
      "driver",
      "ingress",
      "internal",
      "ipam_config",
      "ipam_driver",
      "ipam_options",
      "ipv6",
      "labels",
      "name",
      "options",
    ],
    updatedInPlace: [],
  },
  docker_volume: { replacedBy: ["driver", "driver_opts", "labels", "name"], updatedInPlace: [] },
  // grafana/grafana v4.45.1
  grafana_folder: { replacedBy: [GRAFANA_ORG, "uid"] },
  grafana_dashboard: {
    replacedBy: [GRAFANA_ORG],
    // The provider replaces a dashboard whose config_json changes its uid.
    replacesWhen: (attribute, before, after) =>
      attribute === "config_json" && dashboardUid(before) !== dashboardUid(after),
  },
  grafana_data_source: { replacedBy: [GRAFANA_ORG, "uid"] },
  grafana_rule_group: { replacedBy: [GRAFANA_ORG, "name", "folder_uid"] },
  grafana_contact_point: { replacedBy: [GRAFANA_ORG, "name", "disable_provenance"] },
  grafana_notification_policy: { replacedBy: [GRAFANA_ORG] },
  grafana_message_template: { replacedBy: [GRAFANA_ORG, "name", "disable_provenance"] },
  grafana_mute_timing: { replacedBy: [GRAFANA_ORG, "name", "disable_provenance"] },
  grafana_annotation: { replacedBy: [GRAFANA_ORG, "dashboard_uid", "panel_id"] },
};

/** Does changing this top-level attribute of a resource of this type replace it? */
export function replacementVerdict(
  resourceType: string,
  attribute: string,
  before: unknown,
  after: unknown,
): ReplacementVerdict {
  if (META_ARGUMENTS.has(attribute)) return "in-place";
  const rule = RULES[resourceType];
  if (!rule) return "may-replace";
  if (rule.replacedBy.includes(attribute) || rule.replacesWhen?.(attribute, before, after)) return "replaces";
  if (rule.updatedInPlace === undefined || rule.updatedInPlace.includes(attribute)) return "in-place";
  return "may-replace";
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

function dashboardUid(configJson: unknown): unknown {
  if (typeof configJson !== "string") return undefined;
  try {
    return (JSON.parse(configJson) as { uid?: unknown }).uid;
  } catch {
    return undefined;
  }
}
