import { Construct } from "constructs";
import { Fn, Token, type ITerraformDependable } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { DataDockerRegistryImage } from "@cdktf/provider-docker/lib/data-docker-registry-image";
import { Image } from "@cdktf/provider-docker/lib/image";
import type { Volume } from "@cdktf/provider-docker/lib/volume";
import { containerName, type Slot } from "../contract";
import { DatabaseMigration } from "./database-migration";
import type { DockerHost } from "./docker-host";
import {
  commitOfVersion,
  healthcheckOf,
  healthyWithinSeconds,
  labelsOf,
  rotatedLogs,
  type HealthCheck,
} from "./private/container-spec";
import { ReplacementGeneration, fingerprint, generationSuffixOf } from "./private/replacement-generation";
import { DIGEST_IN_VERSION, type ReleaseVersion } from "./release-inputs";
import { RuntimeContainer } from "./private/runtime-container";
import { attributeOf, dependenciesOf } from "./private/references";

/** How every application container of a deployment runs, whatever its slot. */
export interface ApplicationContainerSpec {
  /** Port the application listens on. */
  readonly containerPort: number;
  /** Health check the apply waits for. */
  readonly healthCheck: HealthCheck;
  /** Memory limit, in MiB (swap disabled). */
  readonly memoryMb: number;
  /** CPU limit, in cores. */
  readonly cpus: number;
  /** Size at which the json-file log rotates, in MiB. */
  readonly logMaxSizeMb: number;
  /** Rotated log files kept. */
  readonly logMaxFiles: number;
  /** Seconds a container gets after SIGTERM to finish in-flight requests before it is killed. */
  readonly stopGracePeriodSeconds: number;
  /** Container environment (`KEY=value`; secrets as sensitive variable references). */
  readonly environment: readonly string[];
}

/** The migration steps of a release; see DatabaseMigration. */
export interface ReleaseMigration {
  /** Command applying pending migrations. */
  readonly migrationCommand: readonly string[];
  /** Seconds after which the migration fails. */
  readonly migrationTimeoutSeconds: number;
  /** Custom backup command (writes $BACKUP_FILE), run in the application image. @default - pg_dump of databaseUrl */
  readonly backupCommand?: readonly string[];
  /** Image of the default pg_dump backup. @default "postgres:17-alpine" */
  readonly backupImage?: string;
  /** Reference to the database URL the default backup dumps. @default - none */
  readonly databaseUrl?: string;
  /** Newest backups kept. */
  readonly backupsKept: number;
  /** Volume the backups go to. */
  readonly backupVolume: Volume;
  /** What must finish before the backup starts (the previous slot's migration, of the same application). @default - nothing */
  readonly after?: readonly ITerraformDependable[];
}

export interface ServiceReleaseProps {
  /** The environment's Docker host. */
  readonly host: DockerHost;
  /** Application the release belongs to. */
  readonly applicationName: string;
  /** Start of the release's Terraform names: `web_blue` gives `docker_container.web_blue`, `docker_image.web_blue`. */
  readonly addressStem: string;
  /** Image repository without tag; the tag is the release's version. */
  readonly imageRepository: string;
  /** The version variable and the slot it pins. */
  readonly release: ReleaseVersion;
  /** Replicas running this version (slots of blue-green and canary run one). @default 1 */
  readonly replicas?: number;
  /** How the application containers run. */
  readonly container: ApplicationContainerSpec;
  /** Backup and migration before the containers change. @default - no migrations */
  readonly migration?: ReleaseMigration;
  /**
   * Start replacement containers before removing the old ones, so the old ones serve until the new ones are healthy
   * and the routing has moved to them. Container names then carry the generation, since Docker names are unique.
   * Off only for rolling releases that stop for their migration. @default true
   */
  readonly createBeforeDestroy?: boolean;
}

/**
 * One version of an application on the environment's Docker host: the image pinned by the digest its tag has in
 * the registry at plan time, the optional backup and migration, and the health-checked containers that run it.
 * A slot (blue, green, stable, canary) is one release; a rolling deployment is one release of N chained replicas.
 */
export class ServiceRelease extends Construct {
  /** The application containers, in creation order. */
  public readonly containers: readonly Container[];
  /** The registry lookup of the version's tag. */
  public readonly registryImage: DataDockerRegistryImage;
  /** The pulled image, pinned by digest. */
  public readonly image: Image;
  /** Digest (`sha256:…`) the release runs: the version's own when it carries one, else its tag's in the registry at plan time. */
  public readonly imageDigest: string;
  /** Backup and migration of this release, when the application has a database. */
  public readonly migration?: DatabaseMigration;
  /** Generation whose id suffixes the container names of a create-before-destroy release. */
  public readonly generation?: ReplacementGeneration;

  constructor(scope: Construct, id: string, props: ServiceReleaseProps) {
    super(scope, id);
    const { host, applicationName, release, container: spec, addressStem } = props;
    const environmentName = host.environmentName;
    const replicas = props.replicas ?? 1;
    const createBeforeDestroy = props.createBeforeDestroy ?? true;
    if (!Number.isInteger(replicas) || replicas < 1)
      throw new Error(`ServiceRelease ${applicationName}: replicas is ${replicas}; use a whole number of at least 1`);

    // A version that carries its build's digest (`tag@sha256:…`) makes the lookup ask the registry for that digest's
    // manifest (`<repository>:<tag>@sha256:…`): it checks the image is there and never resolves the tag.
    this.registryImage = new DataDockerRegistryImage(this, "registry-image", {
      provider: host.provider,
      name: `${props.imageRepository}:${release.version}`,
    });
    this.registryImage.overrideLogicalId(addressStem);
    // The recorded digest when the version has one, else the digest the tag has at plan time.
    this.imageDigest = Fn.try([
      Fn.element(Token.asList(Fn.regex(DIGEST_IN_VERSION, release.version)), 0),
      this.registryImage.sha256Digest,
    ]);
    this.image = new Image(this, "image", {
      provider: host.provider,
      // The digest, not the tag: what was planned (or built) is what runs, even if the tag is pushed again.
      name: `${props.imageRepository}@${this.imageDigest}`,
      // Kept on the host after a release is replaced, so a rollback starts without pulling.
      keepLocally: true,
    });
    this.image.overrideLogicalId(addressStem);

    let generationSuffix: string | undefined;
    if (createBeforeDestroy) {
      // Any change that replaces the containers replaces the generation, and with it every name of the release.
      this.generation = new ReplacementGeneration(this, "generation", {
        triggersReplace: {
          image: this.image.imageId,
          version: release.version,
          environment: [...spec.environment],
          spec: fingerprint({
            repository: props.imageRepository,
            replicas,
            spec: { ...spec, environment: undefined },
            migration: props.migration && {
              ...props.migration,
              backupVolume: undefined,
              after: undefined,
              databaseUrl: undefined,
            },
          }),
        },
        lifecycle: { createBeforeDestroy: true },
      });
      this.generation.overrideLogicalId(`${addressStem}_generation`);
      generationSuffix = generationSuffixOf(this, this.generation);
    }

    if (props.migration) {
      this.migration = new DatabaseMigration(this, "migration", {
        host,
        addressStem,
        applicationName,
        slot: release.slot,
        generation: generationSuffix,
        applicationImage: this.image,
        imageDigest: this.imageDigest,
        version: release.tag,
        containerEnvironment: spec.environment,
        migrationCommand: props.migration.migrationCommand,
        migrationTimeoutSeconds: props.migration.migrationTimeoutSeconds,
        backupVolume: props.migration.backupVolume,
        backupCommand: props.migration.backupCommand,
        backupImage: props.migration.backupImage,
        databaseUrl: props.migration.databaseUrl,
        backupsKept: props.migration.backupsKept,
        createBeforeDestroy,
        after: props.migration.after,
        logMaxSizeMb: spec.logMaxSizeMb,
        logMaxFiles: spec.logMaxFiles,
      });
    }

    const networkName = attributeOf(this, host.network, "name");
    const slots: Slot[] = release.slot ? [release.slot] : Array.from({ length: replicas }, (_, index) => index + 1);
    const containers: Container[] = [];
    for (const slot of slots) {
      // Each replica waits for the previous one to be healthy (and the first for the migration).
      const previous = containers.length > 0 ? containers[containers.length - 1] : this.migration?.migration;
      const name = generationSuffix
        ? containerName(applicationName, environmentName, slot, generationSuffix)
        : containerName(applicationName, environmentName, slot);
      const appContainer = new RuntimeContainer(this, `container-${slot}`, {
        provider: host.provider,
        name,
        image: attributeOf(this, this.image, "image_id"),
        env: [
          `WTFB_APPLICATION=${applicationName}`,
          `WTFB_ENVIRONMENT=${environmentName}`,
          `WTFB_VERSION=${release.tag}`,
          `WTFB_SLOT=${slot}`,
          `WTFB_PORT=${spec.containerPort}`,
          ...spec.environment,
        ],
        labels: labelsOf({
          "wtfb.application": applicationName,
          "wtfb.environment": environmentName,
          "wtfb.role": "app",
          "wtfb.slot": String(slot),
          "wtfb.version": release.tag,
          "wtfb.commit": commitOfVersion(release.tag),
          "wtfb.image-digest": this.imageDigest,
        }),
        healthcheck: healthcheckOf(spec.healthCheck),
        // The apply waits for healthy: a release that never gets healthy fails the apply before any routing points at it.
        wait: true,
        waitTimeout: healthyWithinSeconds(spec.healthCheck),
        restart: "unless-stopped",
        memory: spec.memoryMb,
        memorySwap: spec.memoryMb,
        cpus: dockerCpus(spec.cpus),
        ...rotatedLogs(spec.logMaxSizeMb, spec.logMaxFiles),
        // No shared network alias: the proxy reaches a container only once the routing names it, after it is healthy.
        networksAdvanced: [{ name: networkName }],
        stopTimeout: spec.stopGracePeriodSeconds,
        destroyGraceSeconds: spec.stopGracePeriodSeconds,
        dependsOn: previous ? dependenciesOf(this, [previous]) : undefined,
        lifecycle: createBeforeDestroy ? { createBeforeDestroy: true } : undefined,
      });
      appContainer.overrideLogicalId(release.slot ? addressStem : `${addressStem}_${slot}`);
      containers.push(appContainer);
    }
    this.containers = containers;
  }
}

/**
 * A CPU limit as the Docker provider reads it back from Docker (`1.0`, `0.5`, `1.25`). Written as `1`, it differs
 * from the `1.0` read back, and `cpus` forces replacement: every plan after the first apply would replace the
 * container (kreuzwerker/docker 4.6.0, `nanoInt64ToDecimalString`).
 */
function dockerCpus(cpus: number): string {
  return Number.isInteger(cpus) ? cpus.toFixed(1) : String(cpus);
}
