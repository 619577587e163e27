import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import type { Image } from "@cdktf/provider-docker/lib/image";
import type { Volume } from "@cdktf/provider-docker/lib/volume";
import { DEFAULT_POSTGRES_BACKUP_IMAGE } from "../../config/runtime-schema";
import { containerName, type Slot } from "../contract";
import type { DockerHost } from "./docker-host";
import { exitedCleanly, labelsOf, rotatedLogs } from "./private/container-spec";
import { BACKUP_DIR, BACKUP_SCRIPT } from "./private/shell-scripts";
import { RuntimeContainer } from "./private/runtime-container";
import { attributeOf, dependenciesOf } from "./private/references";

export interface DatabaseMigrationProps {
  /** The environment's Docker host. */
  readonly host: DockerHost;
  /** Start of the containers' Terraform names: `web_blue` gives `docker_container.web_blue_backup` and `web_blue_migrate`. */
  readonly addressStem: string;
  /** Application whose database migrates. */
  readonly applicationName: string;
  /** Slot whose release the migration prepares; it names the containers. @default - none (a rolling release) */
  readonly slot?: Extract<Slot, string>;
  /** Suffix making container names unique per generation, for create-before-destroy releases. @default - none */
  readonly generation?: string;
  /** The release's application image; the migration runs in it. */
  readonly applicationImage: Image;
  /** Digest of that image; a new digest re-runs the backup and the migration. */
  readonly imageDigest: string;
  /** Version (image tag) being deployed; part of the backup's file name. */
  readonly version: string;
  /** Container environment of the application (`KEY=value`, secrets as variable references). */
  readonly containerEnvironment: readonly string[];
  /** Command applying pending migrations, run in the application image. */
  readonly migrationCommand: readonly string[];
  /** Seconds after which the migration is stopped and the deployment fails. @default 600 */
  readonly migrationTimeoutSeconds?: number;
  /** Volume the backups are written to. */
  readonly backupVolume: Volume;
  /** Backup command run in the application image; it must write the file named by $BACKUP_FILE. @default - pg_dump of `databaseUrl` */
  readonly backupCommand?: readonly string[];
  /** Image the default pg_dump backup runs in. @default "postgres:17-alpine" */
  readonly backupImage?: string;
  /** Reference to the connection URL the default backup dumps; required without `backupCommand`. @default - none */
  readonly databaseUrl?: string;
  /** Newest backups kept in the volume for this application and environment. @default 10 */
  readonly backupsKept?: number;
  /** Create replacement containers before removing the previous ones (their names must then carry `generation`). @default false */
  readonly createBeforeDestroy?: boolean;
  /** What must finish first, e.g. another slot's migration, so migrations never run concurrently. @default - nothing */
  readonly after?: readonly ITerraformDependable[];
  /** Size at which the one-off containers' logs rotate, in MiB. @default 10 */
  readonly logMaxSizeMb?: number;
  /** Rotated log files kept per one-off container. @default 5 */
  readonly logMaxFiles?: number;
}

/**
 * SOP §7.1 as resource ordering: a timestamped backup of the database, then the migration with a timeout, both
 * one-off containers the apply waits for and fails on. The application containers of the release depend on
 * `migration`, so the application never runs ahead of its schema and no migration runs without a fresh backup.
 * Both re-run whenever the release's image changes.
 */
export class DatabaseMigration extends Construct {
  /** Container that writes the backup to the backup volume. */
  public readonly backup: Container;
  /** Container that applies the migrations; depends on `backup`. */
  public readonly migration: Container;

  constructor(scope: Construct, id: string, props: DatabaseMigrationProps) {
    super(scope, id);
    const { host, applicationName } = props;
    const environmentName = host.environmentName;
    if (props.migrationCommand.length === 0)
      throw new Error(
        `DatabaseMigration ${applicationName}: migrationCommand is empty; give the command that applies pending migrations`,
      );
    if (!props.backupCommand && !props.databaseUrl) {
      throw new Error(
        `DatabaseMigration ${applicationName}: the default backup (pg_dump) needs databaseUrl; pass the secret holding the connection URL, or a backupCommand`,
      );
    }
    const timeoutSeconds = props.migrationTimeoutSeconds ?? 600;
    const qualifiers = props.generation ? [props.generation] : [];
    const nameOf = (step: "backup" | "migrate") =>
      props.slot
        ? containerName(applicationName, environmentName, props.slot, step, ...qualifiers)
        : containerName(applicationName, environmentName, step, ...qualifiers);
    const logicalIdOf = (step: string) => `${props.addressStem}_${step}`;
    const labels = (role: string) =>
      labelsOf({
        "wtfb.application": applicationName,
        "wtfb.environment": environmentName,
        "wtfb.role": role,
        ...(props.slot ? { "wtfb.slot": props.slot } : {}),
        "wtfb.version": props.version,
        // A new build under the same tag is a new release too: its digest re-runs backup and migration.
        "wtfb.image-digest": props.imageDigest,
      });
    const oneOff = {
      provider: host.provider,
      networksAdvanced: [{ name: attributeOf(this, host.network, "name") }],
      ...rotatedLogs(props.logMaxSizeMb ?? 10, props.logMaxFiles ?? 5),
      restart: "no",
      // Run to completion inside the apply; the postcondition fails the apply on a non-zero exit.
      mustRun: false,
      attach: true,
    };
    const replacement = props.createBeforeDestroy ? { createBeforeDestroy: true } : {};
    const customBackup = props.backupCommand;
    const backupImage = customBackup
      ? props.applicationImage
      : host.infrastructureImage(props.backupImage ?? DEFAULT_POSTGRES_BACKUP_IMAGE);

    this.backup = new RuntimeContainer(this, "backup", {
      ...oneOff,
      name: nameOf("backup"),
      image: attributeOf(this, backupImage, "image_id"),
      entrypoint: ["/bin/sh", "-c", BACKUP_SCRIPT, "backup"],
      command: customBackup ? [...customBackup] : undefined,
      env: [
        ...(customBackup ? props.containerEnvironment : [`WTFB_DATABASE_URL=${props.databaseUrl}`]),
        `WTFB_BACKUP_DIR=${BACKUP_DIR}`,
        `WTFB_BACKUP_PREFIX=${applicationName}-${environmentName}`,
        `WTFB_BACKUPS_KEPT=${props.backupsKept ?? 10}`,
        `WTFB_RELEASE_VERSION=${props.version}`,
      ],
      mounts: [{ type: "volume", source: attributeOf(this, props.backupVolume, "name"), target: BACKUP_DIR }],
      labels: labels("backup"),
      dependsOn: props.after ? dependenciesOf(this, props.after) : undefined,
      lifecycle: {
        ...replacement,
        postcondition: [exitedCleanly(`The backup before migrating ${applicationName} in ${environmentName}`)],
      },
    });
    this.backup.overrideLogicalId(logicalIdOf("backup"));

    this.migration = new RuntimeContainer(this, "migration", {
      ...oneOff,
      name: nameOf("migrate"),
      image: attributeOf(this, props.applicationImage, "image_id"),
      // `timeout` (coreutils or busybox in the image) stops a migration that runs too long (SOP §7.1).
      command: ["timeout", String(timeoutSeconds), ...props.migrationCommand],
      env: [...props.containerEnvironment],
      labels: labels("migration"),
      dependsOn: dependenciesOf(this, [this.backup]),
      lifecycle: {
        ...replacement,
        postcondition: [
          exitedCleanly(
            `The migration of ${applicationName} in ${environmentName}`,
            ` (124 or 143: it ran longer than its ${timeoutSeconds}s timeout)`,
          ),
        ],
      },
    });
    this.migration.overrideLogicalId(logicalIdOf("migrate"));
  }
}
