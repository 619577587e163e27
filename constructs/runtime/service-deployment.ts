import { createHash } from "crypto";
import { Construct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from "cdktf";
import { DEFAULT_POSTGRES_BACKUP_IMAGE, DEFAULT_PROXY_IMAGE } from "../../config/runtime-schema";
import { Artifacts } from "../artifacts";
import { containerName, variableStem, type ReleaseVariables } from "../contract";
import type { EnvironmentSecrets } from "../github/environment-secrets";
import { DeploymentStrategy } from "./deployment-strategy";
import type { DockerHost } from "./docker-host";
import { PROXY_LISTEN_PORT, renderNginxConfig, renderRoutingConfig, type ProxyRouting, type ProxyUpstream } from "./nginx-config";
import { commitOfVersion, healthcheckOf, healthyWithinSeconds, rotatedLogs, type HealthCheck } from "./private/container-spec";
import { RuntimeFleet, type ForEachRole } from "./private/fleet";
import { ProxyRoles } from "./private/proxy-roles";
import { BACKUP_DIR } from "./private/shell-scripts";
import { ReleaseRoles, type ReleaseGroup } from "./private/release-roles";
import { ReleaseInputs, type ReleaseVersion } from "./release-inputs";

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
 * The Terraform resources belong to the environment's Docker host: one resource per role with an instance per
 * application, keyed by its name (`docker_container.blue["web"]`, `docker_container.proxy["web"]`). This construct
 * adds the application's instances; `resourceAddresses` lists them.
 */
export class ServiceDeployment extends Construct {
  /** Application name. */
  public readonly applicationName: string;
  /** The strategy releases follow. */
  public readonly strategy: DeploymentStrategy;
  /** Names of the Terraform variables the deploy workflow sets (the shared contract's `releaseVariables`). */
  public readonly releaseVariables: ReleaseVariables;
  /** Names of the application containers, in dependency order; create-before-destroy names end in the generation. */
  public readonly containerNames: readonly string[];
  /** Terraform address of every resource instance of the application, e.g. `docker_container.blue["web"]`. */
  public readonly resourceAddresses: readonly string[];
  /** The proxy's nginx.conf (fixed per application and environment). */
  public readonly nginxConfig: string;
  /** The routing file, a Terraform template: `${…}` parts are the release variables, filled in at apply time. */
  public readonly routingConfig: string;

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
    if (database && database.migrationCommand.length === 0) {
      throw new Error(`ServiceDeployment ${applicationName}: database.migrationCommand is empty; give the command that applies pending migrations`);
    }
    this.applicationName = applicationName;
    this.strategy = strategy;
    const runtime = runtimeOf(host);
    if (runtime.applications.has(applicationName)) {
      throw new Error(`ServiceDeployment ${applicationName}: an application named ${applicationName} is already deployed on the ${environmentName} Docker host; give each ServiceDeployment its own applicationName`);
    }
    runtime.applications.add(applicationName);
    const key = applicationName;
    const addresses: string[] = [];
    const add = <Entry extends object>(role: ForEachRole<Entry>, entry: Entry): string => {
      const address = role.add(key, entry);
      addresses.push(address);
      return address;
    };
    // The logical ids of the layout before (a resource per application): `web_blue`, `web_blue_migrate`, `web_proxy`; hashed from the construct path where not set.
    const oldId = (...parts: Array<string | number>) => variableStem([applicationName, ...parts].join("_"));
    const path = this.node.scopes.slice(this.node.scopes.indexOf(TerraformStack.of(this)) + 1).map((construct) => construct.node.id);
    const moved = (type: string, fromLogicalId: string, to: string) => runtime.fleet.movedFrom(type, fromLogicalId, to);
    /** Adds the application's container to a role, moved from its earlier id (`web_blue_migrate`: the parts after the name). */
    const addContainer = <Entry extends object>(role: ForEachRole<Entry>, earlierIdParts: ReadonlyArray<string | number>, entry: Entry) =>
      moved("docker_container", oldId(...earlierIdParts), add(role, entry));

    const inputs = new ReleaseInputs(this, applicationName, environmentName, strategy);
    this.releaseVariables = inputs.names;

    const { secrets } = props;
    const settings = props.settings ?? {};
    const environment = [
      ...Object.keys(settings)
        .sort()
        .map((name) => `${name}=${settings[name]}`),
      ...(secrets ? [...secrets.secretNames].sort().map((name) => `${name}=${secrets.valueOf(name)}`) : []),
    ];
    // Rolling replicas share one name on the network; the proxy balances over whatever it resolves to.
    const serviceAlias = `${applicationName}-${environmentName}`;
    const containerPort = props.containerPort ?? 3000;
    const healthCheck = props.healthCheck;
    const health = healthcheckOf(healthCheck);
    const memoryMb = props.memoryMb ?? 512;
    const cpus = props.cpus ?? 0.5;
    const logMaxSizeMb = props.logMaxSizeMb ?? 10;
    const logMaxFiles = props.logMaxFiles ?? 5;
    const stopGracePeriodSeconds = props.stopGracePeriodSeconds ?? 30;
    const logOpts = rotatedLogs(logMaxSizeMb, logMaxFiles).logOpts;
    const replicas = strategy.config.type === "rolling" ? strategy.config.replicas : 1;
    // Rolling keeps the old replicas serving until the new ones are healthy, unless the migration needs them stopped.
    const createBeforeDestroy = strategy.type === "rolling" && !database?.scaleDownDuringMigration;

    let backupVolume: string | undefined;
    if (database) {
      const volumes = runtime.proxy.backupVolume();
      moved("docker_volume", RuntimeFleet.hashedLogicalId([...path, "backup-volume"]), add(volumes, { name: `${applicationName}-${environmentName}-backups` }));
      backupVolume = volumes.ref(key, "name");
    }
    const databaseUrl = database && !database.backupCommand ? this.secretReference(secrets, database.databaseUrlSecret ?? "DATABASE_URL") : undefined;
    const backupImage = database && !database.backupCommand ? host.infrastructureImage(database.backupImage ?? DEFAULT_POSTGRES_BACKUP_IMAGE).imageId : undefined;

    const containerNames: string[] = [];
    const applicationRoles: Array<ForEachRole<object>> = [];
    let previousMigration: ForEachRole<object> | undefined;
    for (const release of inputs.versions) {
      const group = groupOf(release, createBeforeDestroy);
      const roles = runtime.releases(group);
      const slotId = release.slot ?? "replicas";
      const slotParts = release.slot ? [release.slot] : [];
      const version = `\${var.${release.variable}}`;

      add(roles.registry, { name: `${props.image}:${version}` });
      const imageDigest = roles.registry.ref(key, "sha256_digest");
      moved("docker_image", RuntimeFleet.hashedLogicalId([...path, slotId, "image"]), add(roles.image, { name: `${props.image}@${imageDigest}` }));
      const imageId = roles.image.ref(key, "image_id");

      let qualifiers: string[] = [];
      if (group.createBeforeDestroy) {
        const generation = roles.generation();
        // Hashed in the shape the earlier layout hashed it, so an upgrade keeps the generation (and the containers).
        const spec = {
          containerPort,
          healthCheck,
          memoryMb,
          cpus,
          logMaxSizeMb,
          logMaxFiles,
          stopGracePeriodSeconds,
          networkAliases: strategy.type === "rolling" ? [serviceAlias] : [],
        };
        const migration = database && {
          migrationCommand: database.migrationCommand,
          migrationTimeoutSeconds: database.migrationTimeoutSeconds ?? 600,
          backupCommand: database.backupCommand,
          backupImage: database.backupImage,
          backupsKept: database.backupsKept ?? 10,
        };
        moved(
          "terraform_data",
          oldId(...slotParts, "generation"),
          add(generation, {
            triggers_replace: {
              image: imageId,
              version,
              environment: [...environment],
              spec: fingerprint({ repository: props.image, spec, migration }),
            },
          }),
        );
        qualifiers = [`\${substr(${generation.instance(key)}.id, 0, 8)}`];
      }

      let migrationRole: ForEachRole<object> | undefined;
      if (database && backupVolume) {
        const timeoutSeconds = database.migrationTimeoutSeconds ?? 600;
        const nameOf = (step: "backup" | "migrate") =>
          release.slot ? containerName(applicationName, environmentName, release.slot, step, ...qualifiers) : containerName(applicationName, environmentName, step, ...qualifiers);
        const backup = roles.backup();
        addContainer(backup, [...slotParts, "backup"], {
          name: nameOf("backup"),
          image: backupImage ?? imageId,
          command: database.backupCommand ? [...database.backupCommand] : null,
          env: [
            ...(database.backupCommand ? environment : [`WTFB_DATABASE_URL=${databaseUrl}`]),
            `WTFB_BACKUP_DIR=${BACKUP_DIR}`,
            `WTFB_BACKUP_PREFIX=${applicationName}-${environmentName}`,
            `WTFB_BACKUPS_KEPT=${database.backupsKept ?? 10}`,
            `WTFB_RELEASE_VERSION=${version}`,
          ],
          version,
          image_digest: imageDigest,
          log_opts: logOpts,
          volume: backupVolume,
        });
        // Migrations run one after another: the second slot's backup waits for the first slot's migration.
        if (previousMigration) backup.dependOn(previousMigration);
        const migration = roles.migration();
        addContainer(migration, [...slotParts, "migrate"], {
          name: nameOf("migrate"),
          image: imageId,
          // `timeout` (coreutils or busybox in the image) stops a migration that runs too long (SOP §7.1).
          command: ["timeout", String(timeoutSeconds), ...database.migrationCommand],
          env: [...environment],
          version,
          image_digest: imageDigest,
          log_opts: logOpts,
          timeout_seconds: timeoutSeconds,
        });
        migrationRole = migration;
        previousMigration = migration;
      }

      const slots = release.slot ? [release.slot] : Array.from({ length: replicas }, (_, index) => index + 1);
      for (const slot of slots) {
        const role = roles.containers(release.slot ? undefined : (slot as number));
        // The first container of a release waits for its migration; the replicas after it, for the one before.
        if (migrationRole && (release.slot || slot === 1)) role.dependOn(migrationRole);
        const name = containerName(applicationName, environmentName, slot, ...qualifiers);
        addContainer(role, [slot], {
          name,
          image: imageId,
          env: [...environment],
          version,
          commit: commitOfVersion(release.variable),
          image_digest: imageDigest,
          health_test: health.test,
          health_interval: health.interval!,
          health_timeout: health.timeout!,
          health_retries: health.retries!,
          health_start_period: health.startPeriod!,
          wait_timeout: healthyWithinSeconds(healthCheck),
          memory: memoryMb,
          cpus: dockerCpus(cpus),
          log_opts: logOpts,
          aliases: strategy.type === "rolling" ? [serviceAlias] : null,
          stop_timeout: stopGracePeriodSeconds,
        });
        containerNames.push(name);
        applicationRoles.push(role);
      }
    }
    this.containerNames = containerNames;

    const upstreams: ProxyUpstream[] =
      strategy.type === "rolling"
        ? [{ slot: "replicas", host: serviceAlias, port: containerPort }]
        : inputs.versions.flatMap(({ slot }) => (slot ? [{ slot, host: containerName(applicationName, environmentName, slot), port: containerPort }] : []));
    this.nginxConfig = renderNginxConfig({ applicationName, environmentName, listenPort: PROXY_LISTEN_PORT, upstreams });
    // Resolved once: the routing's Terraform expressions (active slot, canary weight) as the text Terraform reads.
    this.routingConfig = Tokenization.resolve(renderRoutingConfig(this.routingOf(inputs)), {
      scope: this,
      preparing: false,
      resolver: new DefaultTokenResolver(new StringConcat()),
    }) as string;

    const proxyImage = host.infrastructureImage(props.proxyImage ?? DEFAULT_PROXY_IMAGE).imageId;
    const proxyName = containerName(applicationName, environmentName, "proxy");
    const { routingVolume, routing, proxy } = runtime.proxy;
    moved("docker_volume", RuntimeFleet.hashedLogicalId([...path, "proxy", "routing-volume"]), add(routingVolume, { name: `${applicationName}-${environmentName}-routing` }));
    const volume = routingVolume.ref(key, "name");
    addContainer(routing, ["routing"], { name: containerName(applicationName, environmentName, "routing"), image: proxyImage, proxy: proxyName, nginx_conf: this.nginxConfig, routing_conf: this.routingConfig, volume });
    // New routing is published only once the containers it routes to are healthy.
    for (const role of applicationRoles) routing.dependOn(role);
    if (props.hostPort !== undefined) host.claimHostPort(props.hostPort, applicationName);
    addContainer(proxy, ["proxy"], { name: proxyName, image: proxyImage, nginx_conf: this.nginxConfig, volume, host_ports: props.hostPort !== undefined ? [props.hostPort] : [] });
    this.resourceAddresses = addresses;

    const artifacts = Artifacts.of(this);
    // One directory per environment, not per application: every directory and file is created anew at each synth.
    const prefix = `runtime/${environmentName}/${applicationName}`;
    artifacts.add(`${prefix}.nginx.conf`, this.nginxConfig);
    artifacts.add(`${prefix}.routing.conf.tftpl`, `# Terraform template: the \${…} parts are filled in from the release variables at apply time.\n${this.routingConfig}`);
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

/** The group a release belongs to: its slot, or rolling (in place when the replicas stop for the migration). */
function groupOf(release: ReleaseVersion, createBeforeDestroy: boolean): ReleaseGroup {
  if (release.slot) return { name: release.slot, slot: release.slot as ReleaseGroup["slot"], createBeforeDestroy: false };
  return createBeforeDestroy ? { name: "rolling", createBeforeDestroy: true } : { name: "rolling_in_place", createBeforeDestroy: false };
}

/** The runtime roles of each Docker host, made with its first application. */
interface HostRuntime {
  readonly fleet: RuntimeFleet;
  /** The applications deployed on the host so far. */
  readonly applications: Set<string>;
  readonly proxy: ProxyRoles;
  releases(group: ReleaseGroup): ReleaseRoles;
}

const runtimes = new WeakMap<DockerHost, HostRuntime>();

function runtimeOf(host: DockerHost): HostRuntime {
  let runtime = runtimes.get(host);
  if (!runtime) {
    const fleet = new RuntimeFleet(host, "runtime", host.addressPrefix);
    const groups = new Map<string, ReleaseRoles>();
    runtime = {
      fleet,
      applications: new Set(),
      proxy: new ProxyRoles(fleet, host),
      releases: (group) => {
        let roles = groups.get(group.name);
        if (!roles) groups.set(group.name, (roles = new ReleaseRoles(fleet, host, group)));
        return roles;
      },
    };
    runtimes.set(host, runtime);
  }
  return runtime;
}

/** Short stable hash of plain config values (no Terraform references), for replacement triggers. */
function fingerprint(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

/**
 * A CPU limit as the Docker provider reads it back from Docker (`1.0`, `0.5`, `1.25`). Written as `1`, it differs
 * from the `1.0` read back, and `cpus` forces replacement: every plan after the first apply would replace the
 * container (kreuzwerker/docker 4.6.0, `nanoInt64ToDecimalString`).
 */
function dockerCpus(cpus: number): string {
  return Number.isInteger(cpus) ? cpus.toFixed(1) : String(cpus);
}
