import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import type { Container } from "@cdktf/provider-docker/lib/container";
import type { Image } from "@cdktf/provider-docker/lib/image";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Artifacts } from "../artifacts";
import { variableStem, type ReleaseVariables } from "../contract";
import type { EnvironmentSecrets } from "../github/environment-secrets";
import { DeploymentStrategy } from "./deployment-strategy";
import type { DockerHost } from "./docker-host";
import type { ProxyRouting } from "./nginx-config";
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
 * replicas, blue and green slots, or stable and canary slots), each with its backup and migration, and the proxy in
 * front that routes requests to them. The deployed versions are Terraform variables, never synthesized.
 *
 * Every resource is the application's own, named after it (`docker_container.web_blue`, `docker_container.web_proxy`),
 * and ordered only after other resources of the same application (and the host's network and shared images), so one
 * application's change or failed health gate never holds up another's.
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
  /** Every application container, in creation order (escape hatch: `deployment.containers[0].addOverride(…)`). */
  public readonly containers: readonly Container[];
  /** The application images of the releases, pinned by digest. */
  public readonly images: readonly Image[];
  /** The application's volumes: the proxy's routing, and the backups when it has a database. */
  public readonly volumes: readonly Volume[];
  /** The proxy in front of the releases, with its routing publisher. */
  public readonly proxy: ServiceProxy;
  /** Volume holding the database backups. */
  public readonly backupVolume?: Volume;
  /** The proxy's nginx.conf (fixed per application and environment). */
  public readonly nginxConfig: string;
  /** The routing file as Terraform reads it: `${…}` parts (container names, active slot, weights) are filled in at apply time. */
  public readonly routingConfig: string;

  constructor(scope: Construct, id: string, props: ServiceDeploymentProps) {
    super(scope, id);
    const { host, applicationName } = props;
    const environmentName = host.environmentName;
    const strategy = props.strategy ?? DeploymentStrategy.rolling();
    const database = props.database;
    if (props.healthCheck.command.length === 0) {
      throw new Error(
        `ServiceDeployment ${applicationName}: healthCheck.command is empty; give the command that exits 0 when the application is healthy`,
      );
    }
    if (database?.scaleDownDuringMigration && strategy.type !== "rolling") {
      throw new Error(
        `ServiceDeployment ${applicationName}: scaleDownDuringMigration needs the rolling strategy; ${strategy} keeps the previous release serving during the migration, so make the migration backward compatible instead`,
      );
    }
    if (database && database.migrationCommand.length === 0) {
      throw new Error(
        `ServiceDeployment ${applicationName}: database.migrationCommand is empty; give the command that applies pending migrations`,
      );
    }
    this.applicationName = applicationName;
    this.strategy = strategy;
    const stem = `${host.addressPrefix}${variableStem(applicationName)}`;
    claimAddresses(this, host, applicationName, stem, strategy);

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
    };

    const backupVolume = database
      ? new Volume(this, "backup-volume", {
          provider: host.provider,
          name: `${applicationName}-${environmentName}-backups`,
          labels: labelsOf({
            "wtfb.application": applicationName,
            "wtfb.environment": environmentName,
            "wtfb.role": "backup",
          }),
          // Backups outlive every release, and a destroy of the stack must not take them along.
          lifecycle: { preventDestroy: true },
        })
      : undefined;
    backupVolume?.overrideLogicalId(`${stem}_backups`);
    this.backupVolume = backupVolume;
    const databaseUrl =
      database && !database.backupCommand
        ? this.secretReference(secrets, database.databaseUrlSecret ?? "DATABASE_URL")
        : undefined;

    const releases: ServiceRelease[] = [];
    for (const release of inputs.versions) {
      // Migrations run one after another: the second slot's backup waits for the first slot's migration.
      const previousMigration = releases.length > 0 ? releases[releases.length - 1].migration?.migration : undefined;
      releases.push(
        new ServiceRelease(this, release.slot ?? "replicas", {
          host,
          applicationName,
          addressStem: release.slot ? `${stem}_${release.slot}` : stem,
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
          // New containers start, get healthy and take the traffic before the old ones go; only a migration that
          // needs the application stopped replaces destroy-first.
          createBeforeDestroy: !database?.scaleDownDuringMigration,
        }),
      );
    }
    this.releases = releases;
    this.containers = releases.flatMap((release) => release.containers);
    this.images = releases.map((release) => release.image);

    this.proxy = new ServiceProxy(this, "proxy", {
      host,
      applicationName,
      addressStem: stem,
      routing: this.routingOf(inputs, releases, containerPort),
      hostPort: props.hostPort,
      proxyImage: props.proxyImage,
      // New routing is published only once every container it names is healthy.
      after: this.containers,
      createBeforeDestroy: !database?.scaleDownDuringMigration,
    });
    this.volumes = backupVolume ? [this.proxy.routingVolume, backupVolume] : [this.proxy.routingVolume];
    this.nginxConfig = this.proxy.nginxConfig;
    this.routingConfig = this.proxy.routingConfig;

    const artifacts = Artifacts.of(this);
    // One directory per environment, not per application: every directory and file is created anew at each synth.
    const prefix = `runtime/${environmentName}/${applicationName}`;
    artifacts.add(`${prefix}.nginx.conf`, this.nginxConfig);
    artifacts.add(
      `${prefix}.routing.conf.tftpl`,
      `# Terraform template: the \${…} parts are filled in at apply time (container names, release variables).\n${this.routingConfig}`,
    );
  }

  private routingOf(inputs: ReleaseInputs, releases: readonly ServiceRelease[], port: number): ProxyRouting {
    const slotHost = (slot: string) => {
      const index = inputs.versions.findIndex((version) => version.slot === slot);
      return releases[index].containers[0].name;
    };
    switch (this.strategy.type) {
      case "rolling":
        return { kind: "replicas", hosts: releases[0].containers.map((container) => container.name), port };
      case "blue-green":
        return {
          kind: "active",
          activeSlot: inputs.activeSlot!,
          blueHost: slotHost("blue"),
          greenHost: slotHost("green"),
          port,
        };
      case "canary":
        return {
          kind: "weighted",
          canaryWeightPercent: inputs.canaryWeightPercent!,
          stableHost: slotHost("stable"),
          canaryHost: slotHost("canary"),
          port,
        };
    }
  }

  private secretReference(secrets: EnvironmentSecrets | undefined, name: string): string {
    if (!secrets || !secrets.secretNames.includes(name)) {
      throw new Error(
        `ServiceDeployment ${this.applicationName}: the default backup dumps the database at secret ${name}, which the environment does not declare; declare it, or set databaseUrlSecret or backupCommand`,
      );
    }
    return secrets.valueOf(name);
  }
}

/** The Terraform names each stack's applications have taken, and by whom. */
const addressOwners = new WeakMap<TerraformStack, Map<string, string>>();

/**
 * Fails when an application is deployed twice on a host, or when its Terraform names would collide with another
 * application's (`web` with slot `blue` and an application named `web-blue` both want `web_blue_…`).
 */
function claimAddresses(
  scope: Construct,
  host: DockerHost,
  applicationName: string,
  stem: string,
  strategy: DeploymentStrategy,
): void {
  const stack = TerraformStack.of(scope);
  let owners = addressOwners.get(stack);
  if (!owners) addressOwners.set(stack, (owners = new Map()));
  const where = `the ${host.environmentName} Docker host`;
  const hostKey = `application ${host.node.path} ${applicationName}`;
  if (owners.has(hostKey)) {
    throw new Error(
      `ServiceDeployment ${applicationName}: an application named ${applicationName} is already deployed on ${where}; give each ServiceDeployment its own applicationName`,
    );
  }
  owners.set(hostKey, applicationName);
  const slots =
    strategy.config.type === "rolling"
      ? [""]
      : strategy.config.type === "blue-green"
        ? ["_blue", "_green"]
        : ["_stable", "_canary"];
  const replicas =
    strategy.config.type === "rolling"
      ? Array.from({ length: strategy.config.replicas }, (_, index) => `_${index + 1}`)
      : [""];
  const names = [
    `${stem}_proxy`,
    `${stem}_routing`,
    `${stem}_backups`,
    ...slots.flatMap((slot) => [
      `${stem}${slot}`,
      `${stem}${slot}_generation`,
      `${stem}${slot}_backup`,
      `${stem}${slot}_migrate`,
      ...replicas.map((replica) => `${stem}${slot}${replica}`),
    ]),
  ];
  for (const name of new Set(names)) {
    const owner = owners.get(name);
    if (owner !== undefined) {
      throw new Error(
        `ServiceDeployment ${applicationName}: its Terraform name ${name} is already taken by ${owner === applicationName ? `${applicationName} on another Docker host of this stack` : `the application ${owner}`}; rename one of them, or give each Docker host of one stack its own addressPrefix`,
      );
    }
    owners.set(name, applicationName);
  }
}
