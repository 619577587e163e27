import { Construct } from "constructs";
import { DefaultTokenResolver, StringConcat, Tokenization } from "cdktf";
import type { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Artifacts } from "../artifacts";
import { containerName, type ReleaseVariables } from "../contract";
import type { EnvironmentSecrets } from "../github/environment-secrets";
import { DeploymentStrategy } from "./deployment-strategy";
import type { DockerHost } from "./docker-host";
import type { ProxyRouting, ProxyUpstream } from "./nginx-config";
import { labelsOf, type HealthCheck } from "./private/container-spec";
import { ReleaseInputs } from "./release-inputs";
import { ServiceProxy } from "./service-proxy";
import { ServiceRelease, type ApplicationContainerSpec } from "./service-release";

export type { HealthCheck } from "./private/container-spec";

/** An application's database migrations (SOP §7.1). */
export interface DatabaseMigrationOptions {
  /** Command applying pending migrations, run in the application image. */
  readonly migrationCommand: readonly string[];
  /** Seconds after which a migration is stopped and the deployment fails. @default 600 */
  readonly migrationTimeoutSeconds?: number;
  /** Backup command run in the application image; must write $BACKUP_FILE. @default - pg_dump of the `databaseUrlSecret` secret */
  readonly backupCommand?: readonly string[];
  /** Image of the default pg_dump backup. @default "postgres:17-alpine" */
  readonly backupImage?: string;
  /** Secret holding the connection URL the default backup dumps. @default "DATABASE_URL" */
  readonly databaseUrlSecret?: string;
  /** Newest backups kept per application and environment. @default 10 */
  readonly backupsKept?: number;
  /** Stop the application while the migration runs (rolling only: replicas are removed first, re-created after). @default false */
  readonly scaleDownDuringMigration?: boolean;
}

export interface ServiceDeploymentProps {
  /** The environment's Docker host (provider and network), shared by its applications. */
  readonly host: DockerHost;
  /** Application name; names containers, volumes and release variables. */
  readonly applicationName: string;
  /** Image repository without tag, e.g. ghcr.io/wtfb/web; the tag is a release variable. */
  readonly image: string;
  /** How a new release replaces the running one. @default DeploymentStrategy.rolling() */
  readonly strategy?: DeploymentStrategy;
  /** Health check the deployment waits for. */
  readonly healthCheck: HealthCheck;
  /** Port the application listens on inside its container. @default 3000 */
  readonly containerPort?: number;
  /** Port the application's proxy publishes on the Docker host. @default - not published */
  readonly hostPort?: number;
  /** Memory limit per container, in MiB. @default 512 */
  readonly memoryMb?: number;
  /** CPU limit per container, in cores. @default 0.5 */
  readonly cpus?: number;
  /** Size at which a container's json-file log rotates, in MiB. @default 10 */
  readonly logMaxSizeMb?: number;
  /** Rotated log files kept per container. @default 5 */
  readonly logMaxFiles?: number;
  /** Seconds a replaced container gets after SIGTERM to finish in-flight requests. @default 30 */
  readonly stopGracePeriodSeconds?: number;
  /** Non-secret settings, passed as container environment. @default - none */
  readonly settings?: Readonly<Record<string, string>>;
  /** The environment's secrets; every one is passed as container environment from its sensitive variable. @default - none */
  readonly secrets?: EnvironmentSecrets;
  /** Database migrations run before each release. @default - none */
  readonly database?: DatabaseMigrationOptions;
  /** nginx image of the proxy. @default "nginx:1.27-alpine" */
  readonly proxyImage?: string;
}

/**
 * One application in one environment (SOP §4.2): its release variables, the releases its strategy runs (rolling
 * replicas, blue and green slots, or stable and canary slots), each with its backup and migration, and the
 * proxy in front that routes requests to them. The deployed versions are Terraform variables, never synthesized.
 */
export class ServiceDeployment extends Construct {
  /** Application name. */
  public readonly applicationName: string;
  /** The strategy releases follow. */
  public readonly strategy: DeploymentStrategy;
  /** Names of the Terraform variables the deploy workflow sets (the shared contract's `releaseVariables`). */
  public readonly releaseVariables: ReleaseVariables;
  /** The releases: one for rolling, one per slot for blue-green and canary. */
  public readonly releases: readonly ServiceRelease[];
  /** Every application container, in dependency order. */
  public readonly applicationContainers: readonly Container[];
  /** The proxy in front of the releases. */
  public readonly proxy: ServiceProxy;
  /** Volume holding the database backups. */
  public readonly backupVolume?: Volume;

  constructor(scope: Construct, id: string, props: ServiceDeploymentProps) {
    super(scope, id);
    const { host, applicationName } = props;
    const environmentName = host.environmentName;
    const strategy = props.strategy ?? DeploymentStrategy.rolling();
    const database = props.database;
    if (props.healthCheck.command.length === 0) {
      throw new Error(`ServiceDeployment ${applicationName}: healthCheck.command is empty; give the command that exits 0 when the application is healthy`);
    }
    if (database?.scaleDownDuringMigration && strategy.type !== "rolling") {
      throw new Error(
        `ServiceDeployment ${applicationName}: scaleDownDuringMigration needs the rolling strategy; ${strategy} keeps the previous release serving during the migration, so make the migration backward compatible instead`,
      );
    }
    this.applicationName = applicationName;
    this.strategy = strategy;

    const inputs = new ReleaseInputs(this, applicationName, environmentName, strategy);
    this.releaseVariables = inputs.names;

    const { secrets } = props;
    const settings = props.settings ?? {};
    const environment = [
      ...Object.keys(settings)
        .sort()
        .map((key) => `${key}=${settings[key]}`),
      ...(secrets ? [...secrets.secretNames].sort().map((name) => `${name}=${secrets.valueOf(name)}`) : []),
    ];
    // Rolling replicas share one name on the network; the proxy balances over whatever it resolves to.
    const serviceAlias = `${applicationName}-${environmentName}`;
    const containerPort = props.containerPort ?? 3000;
    const spec: ApplicationContainerSpec = {
      containerPort,
      healthCheck: props.healthCheck,
      memoryMb: props.memoryMb ?? 512,
      cpus: props.cpus ?? 0.5,
      logMaxSizeMb: props.logMaxSizeMb ?? 10,
      logMaxFiles: props.logMaxFiles ?? 5,
      stopGracePeriodSeconds: props.stopGracePeriodSeconds ?? 30,
      environment,
      networkAliases: strategy.type === "rolling" ? [serviceAlias] : [],
    };

    const backupVolume = database
      ? new Volume(this, "backup-volume", {
          provider: host.provider,
          name: `${applicationName}-${environmentName}-backups`,
          labels: labelsOf({ "wtfb.application": applicationName, "wtfb.environment": environmentName, "wtfb.role": "backup" }),
          // Backups outlive every release, and a destroy of the stack must not take them along.
          lifecycle: { preventDestroy: true },
        })
      : undefined;
    this.backupVolume = backupVolume;
    const databaseUrl = database && !database.backupCommand ? this.secretReference(secrets, database.databaseUrlSecret ?? "DATABASE_URL") : undefined;

    const releases: ServiceRelease[] = [];
    for (const release of inputs.versions) {
      // Migrations run one after another: the second slot's backup waits for the first slot's migration.
      const previousMigration = releases.length > 0 ? releases[releases.length - 1].migration?.migration : undefined;
      releases.push(
        new ServiceRelease(this, release.slot ?? "replicas", {
          host,
          applicationName,
          imageRepository: props.image,
          release,
          replicas: strategy.config.type === "rolling" ? strategy.config.replicas : 1,
          container: spec,
          migration:
            database && backupVolume
              ? {
                  migrationCommand: database.migrationCommand,
                  migrationTimeoutSeconds: database.migrationTimeoutSeconds ?? 600,
                  backupCommand: database.backupCommand,
                  backupImage: database.backupImage,
                  databaseUrl,
                  backupsKept: database.backupsKept ?? 10,
                  backupVolume,
                  after: previousMigration ? [previousMigration] : undefined,
                }
              : undefined,
          // Rolling keeps the old replicas serving until the new ones are healthy, unless the migration needs them stopped.
          createBeforeDestroy: strategy.type === "rolling" && !database?.scaleDownDuringMigration,
        }),
      );
    }
    this.releases = releases;
    this.applicationContainers = releases.flatMap((release) => release.containers);

    const upstreams: ProxyUpstream[] =
      strategy.type === "rolling"
        ? [{ slot: "replicas", host: serviceAlias, port: containerPort }]
        : inputs.versions.flatMap(({ slot }) => (slot ? [{ slot, host: containerName(applicationName, environmentName, slot), port: containerPort }] : []));
    this.proxy = new ServiceProxy(this, "proxy", {
      host,
      applicationName,
      upstreams,
      routing: this.routingOf(inputs),
      hostPort: props.hostPort,
      proxyImage: props.proxyImage,
      after: this.applicationContainers,
    });

    const artifacts = Artifacts.of(this);
    // One directory per environment, not per application: every directory and file is created anew at each synth.
    const prefix = `runtime/${environmentName}/${applicationName}`;
    artifacts.add(`${prefix}.nginx.conf`, this.proxy.nginxConfig);
    artifacts.add(
      `${prefix}.routing.conf.tftpl`,
      `# Terraform template: the \${…} parts are filled in from the release variables at apply time.\n${Tokenization.resolve(this.proxy.routingConfig, {
        scope: this,
        preparing: false,
        resolver: new DefaultTokenResolver(new StringConcat()),
      })}`,
    );
  }

  private routingOf(inputs: ReleaseInputs): ProxyRouting {
    switch (this.strategy.type) {
      case "rolling":
        return { kind: "select", slot: "replicas" };
      case "blue-green":
        return { kind: "select", slot: inputs.activeSlot! };
      case "canary":
        return { kind: "split", canaryWeightPercent: inputs.canaryWeightPercent!, stableSlot: "stable", canarySlot: "canary" };
    }
  }

  private secretReference(secrets: EnvironmentSecrets | undefined, name: string): string {
    if (!secrets || !secrets.secretNames.includes(name)) {
      throw new Error(`ServiceDeployment ${this.applicationName}: the default backup dumps the database at secret ${name}, which the environment does not declare; declare it, or set databaseUrlSecret or backupCommand`);
    }
    return secrets.valueOf(name);
  }
}
