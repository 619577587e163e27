/**
 * The roles a release runs as, one resource each with an instance per application: the registry lookup and the
 * pinned image, the generation (create-before-destroy releases), the backup and the migration (SOP §7.1), and the
 * application containers. A group is a kind of release: `blue`, `green`, `stable`, `canary`, or `rolling`
 * (`rolling_in_place` when the replicas stop for the migration).
 */
import { Container, type ContainerConfig } from "@cdktf/provider-docker/lib/container";
import { DataDockerRegistryImage } from "@cdktf/provider-docker/lib/data-docker-registry-image";
import { Image } from "@cdktf/provider-docker/lib/image";
import type { MapTerraformIterator } from "cdktf";
import type { DockerHost } from "../docker-host";
import { exitedCleanly, labelsOf, LOG_DRIVER, type ContainerRole } from "./container-spec";
import type { ForEachRole, NameEntry, RuntimeFleet } from "./fleet";
import { ReplacementGeneration } from "./replacement-generation";
import { BACKUP_DIR, BACKUP_SCRIPT } from "./shell-scripts";

/** A kind of release; its name prefixes its roles' resource names. */
export interface ReleaseGroup {
  /** `rolling`, `rolling_in_place`, `blue`, `green`, `stable` or `canary`. */
  readonly name: string;
  /** Slot of blue-green and canary releases; rolling releases label each replica with its number instead. */
  readonly slot?: "blue" | "green" | "stable" | "canary";
  /** Start replacements before removing the old containers (rolling only); names then carry the generation. */
  readonly createBeforeDestroy: boolean;
}

export interface GenerationEntry {
  readonly triggers_replace: Readonly<Record<string, unknown>>;
}

/** What the backup and the migration containers of one application have of their own. */
export interface OneOffEntry {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[] | null;
  readonly env: readonly string[];
  readonly version: string;
  readonly image_digest: string;
  readonly log_opts: Readonly<Record<string, string>>;
}

export interface BackupEntry extends OneOffEntry {
  /** Name of the application's backup volume. */
  readonly volume: string;
}

export interface MigrationEntry extends OneOffEntry {
  readonly timeout_seconds: number;
}

export interface ApplicationEntry {
  readonly name: string;
  readonly image: string;
  readonly env: readonly string[];
  readonly version: string;
  readonly commit: string;
  readonly image_digest: string;
  readonly health_test: readonly string[];
  readonly health_interval: string;
  readonly health_timeout: string;
  readonly health_retries: number;
  readonly health_start_period: string;
  readonly wait_timeout: number;
  readonly memory: number;
  readonly cpus: string;
  readonly log_opts: Readonly<Record<string, string>>;
  readonly aliases: readonly string[] | null;
  readonly stop_timeout: number;
}

/** The roles of one group on one host, made on first use. */
export class ReleaseRoles {
  public readonly registry: ForEachRole<NameEntry>;
  public readonly image: ForEachRole<NameEntry>;

  constructor(
    private readonly fleet: RuntimeFleet,
    private readonly host: DockerHost,
    public readonly group: ReleaseGroup,
  ) {
    const provider = host.provider;
    this.registry = fleet.role("data.docker_registry_image", group.name, (scope, id, each) => new DataDockerRegistryImage(scope, id, { provider, forEach: each, name: each.getString("name") }));
    // The digest, not the tag: what was planned is what runs, even if the tag is pushed again meanwhile. Kept on the
    // host after a release is replaced, so a rollback starts without pulling.
    this.image = fleet.role("docker_image", group.name, (scope, id, each) => new Image(scope, id, { provider, forEach: each, name: each.getString("name"), keepLocally: true }));
  }

  /** Any change that replaces the containers replaces the generation, and with it every name of the release. */
  public generation(): ForEachRole<GenerationEntry> {
    return this.fleet.role("terraform_data", `${this.group.name}_generation`, (scope, id, each) =>
      new ReplacementGeneration(scope, id, { forEach: each, triggersReplace: each.getAny("triggers_replace"), lifecycle: { createBeforeDestroy: true } }),
    );
  }

  /** The timestamped backup before the migration (SOP §7.1): a one-off container the apply waits for and fails on. */
  public backup(): ForEachRole<BackupEntry> {
    return this.fleet.role<BackupEntry>("docker_container", `${this.group.name}_backup`, (scope, id, each) =>
      new Container(scope, id, {
        ...this.oneOff(each, "backup", `The backup before migrating \${each.key} in ${this.host.environmentName}`),
        entrypoint: ["/bin/sh", "-c", BACKUP_SCRIPT, "backup"],
        mounts: [{ type: "volume", source: each.getString("volume"), target: BACKUP_DIR }],
      }),
    );
  }

  /** The migration, in the release's image, with a timeout; depends on the backup. */
  public migration(): ForEachRole<MigrationEntry> {
    const role = this.fleet.role<MigrationEntry>("docker_container", `${this.group.name}_migrate`, (scope, id, each) =>
      new Container(
        scope,
        id,
        this.oneOff(each, "migration", `The migration of \${each.key} in ${this.host.environmentName}`, " (124 or 143: it ran longer than its ${each.value.timeout_seconds}s timeout)"),
      ),
    );
    role.dependOn(this.backup());
    return role;
  }

  /**
   * The application containers: the slot's container, or rolling replica `replica` (1, 2, …). Each replica waits
   * for the one before to be healthy, the first for the migration.
   */
  public containers(replica?: number): ForEachRole<ApplicationEntry> {
    const { group, host } = this;
    const slot = group.slot ?? String(replica);
    const role = this.fleet.role<ApplicationEntry>("docker_container", group.slot ?? `${group.name}_${replica}`, (scope, id, each) =>
      new Container(scope, id, {
        provider: host.provider,
        forEach: each,
        name: each.getString("name"),
        image: each.getString("image"),
        env: each.getList("env"),
        labels: this.labels(each, "app", { "wtfb.slot": slot, "wtfb.commit": each.getString("commit") }),
        healthcheck: {
          test: each.getList("health_test"),
          interval: each.getString("health_interval"),
          timeout: each.getString("health_timeout"),
          retries: each.getNumber("health_retries"),
          startPeriod: each.getString("health_start_period"),
        },
        // The apply waits for healthy: a release that never gets healthy fails the apply and stops the rollout.
        wait: true,
        waitTimeout: each.getNumber("wait_timeout"),
        restart: "unless-stopped",
        memory: each.getNumber("memory"),
        memorySwap: each.getNumber("memory"),
        cpus: each.getString("cpus"),
        logDriver: LOG_DRIVER,
        logOpts: each.getStringMap("log_opts"),
        networksAdvanced: [{ name: host.network.name, aliases: each.getList("aliases") }],
        stopTimeout: each.getNumber("stop_timeout"),
        destroyGraceSeconds: each.getNumber("stop_timeout"),
        lifecycle: group.createBeforeDestroy ? { createBeforeDestroy: true } : undefined,
      }),
    );
    if (replica !== undefined && replica > 1) role.dependOn(this.containers(replica - 1));
    return role;
  }

  private oneOff(each: MapTerraformIterator, role: ContainerRole, what: string, hint = ""): ContainerConfig {
    return {
      provider: this.host.provider,
      forEach: each,
      name: each.getString("name"),
      image: each.getString("image"),
      command: each.getList("command"),
      env: each.getList("env"),
      labels: this.labels(each, role, this.group.slot ? { "wtfb.slot": this.group.slot } : {}),
      networksAdvanced: [{ name: this.host.network.name }],
      logDriver: LOG_DRIVER,
      logOpts: each.getStringMap("log_opts"),
      restart: "no",
      // Run to completion inside the apply; the postcondition fails the apply on a non-zero exit.
      mustRun: false,
      attach: true,
      lifecycle: { ...(this.group.createBeforeDestroy ? { createBeforeDestroy: true } : {}), postcondition: [exitedCleanly(what, hint)] },
    };
  }

  private labels(each: MapTerraformIterator, role: ContainerRole, extra: Readonly<Record<string, string>>): ReturnType<typeof labelsOf> {
    return labelsOf({
      "wtfb.application": each.key as string,
      "wtfb.environment": this.host.environmentName,
      "wtfb.role": role,
      "wtfb.version": each.getString("version"),
      // A new build under the same tag is a new release too: its digest re-runs backup and migration.
      "wtfb.image-digest": each.getString("image_digest"),
      ...extra,
    });
  }
}
