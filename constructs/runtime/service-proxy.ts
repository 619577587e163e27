import { Construct } from "constructs";
import { DefaultTokenResolver, StringConcat, Tokenization, type ITerraformDependable } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { DEFAULT_PROXY_IMAGE } from "../../config/runtime-schema";
import { containerName } from "../contract";
import type { DockerHost } from "./docker-host";
import {
  EDGE_ERROR_LOG,
  EDGE_PID_FILE,
  HANDOVER_FILE,
  PROXY_HEALTH_PATH,
  PROXY_LISTEN_PORT,
  ROUTING_INCLUDE,
  renderEdgeConfig,
  renderNginxConfig,
  renderRoutingConfig,
  ROUTER_ACCESS_LOG,
  ROUTER_ERROR_LOG,
  ROUTER_PID_FILE,
  type ProxyRouting,
} from "./nginx-config";
import { exitedCleanly, labelsOf, rotatedLogs } from "./private/container-spec";
import {
  EDGE_CONFIG_FILE,
  HANDOVER_SECONDS,
  LOG_ROTATE_KB,
  PORT_HOLDER_SCRIPT,
  PROXY_SUPERVISOR_SCRIPT,
  RESOLVE_EVERY_SECONDS,
  ROUTING_ACK_TIMEOUT_SECONDS,
  ROUTING_CHECK_DIR,
  ROUTING_DIR,
  ROUTING_PUBLISH_SCRIPT,
} from "./private/shell-scripts";
import { ReplacementGeneration, fingerprint, generationSuffixOf } from "./private/replacement-generation";
import { RuntimeContainer } from "./private/runtime-container";
import { attributeOf, dependenciesOf } from "./private/references";

export interface ServiceProxyProps {
  /** The environment's Docker host. */
  readonly host: DockerHost;
  /** Application the proxy fronts. */
  readonly applicationName: string;
  /**
   * Start of the proxy's Terraform names: `web` gives `docker_container.web_proxy`, `web_port`, `web_routing`,
   * `docker_volume.web_routing` and their `terraform_data.…_generation`.
   */
  readonly addressStem: string;
  /** Which containers serve requests; may hold Terraform references (container names, active slot, canary weight). */
  readonly routing: ProxyRouting;
  /** Port published on the Docker host. @default - none: reachable on the environment network only */
  readonly hostPort?: number;
  /** nginx image; needs /bin/sh, cksum, sleep, kill, cat, tr and wget or curl. @default "nginx:1.27-alpine" */
  readonly proxyImage?: string;
  /** Containers that must be healthy before new routing is published (every container it routes to). @default - none */
  readonly after?: readonly ITerraformDependable[];
  /**
   * Start a new proxy (a new image or edge configuration) beside the running one and stop the old one only once the
   * new one is healthy, and publish each routing from a new routing container. Off for rolling releases that stop for
   * their migration: Terraform makes everything a create-before-destroy resource depends on create-before-destroy
   * too, and those replicas must be removed first; the proxy is then replaced destroy-first. @default true
   */
  readonly createBeforeDestroy?: boolean;
}

/**
 * Kernel settings of the port container's network namespace, which the proxy shares:
 * - `tcp_migrate_req`: when the proxy being replaced closes its listening sockets, the connections waiting in them
 *   move to the new proxy's sockets instead of being reset (Linux ≥ 5.14).
 * - `tcp_tw_reuse`: the router opens a connection to the application per request and closes it, leaving it in
 *   TIME_WAIT for 60 s; at a few hundred requests a second to one container that fills the 28,232 local ports, and
 *   every new connection waits for the kernel to find a free one. With reuse, a port whose connection closed more
 *   than a second ago is taken again (the Linux default allows that only on the loopback).
 */
export const PORT_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.tcp_migrate_req": "1",
  "net.ipv4.tcp_tw_reuse": "1",
};

/**
 * The reverse proxy in front of an application's releases (SOP §4.2), in three containers:
 * - the port container, which holds the network namespace: it publishes the application's host port and joins the
 *   environment network, and only sleeps; it is replaced only when the host port changes.
 * - the proxy, in that namespace, running two nginx: the edge, holding the clients' connections and never reloaded,
 *   and the router behind it, reloaded gracefully on every new routing. A new proxy image or edge configuration
 *   starts a new proxy container beside the running one (both listen with SO_REUSEPORT), and the old one is stopped
 *   gracefully only once the new one is healthy: the port never stops accepting connections.
 * - the one-off routing container, which checks the rendered configuration (nginx.conf and the routing: which
 *   containers serve, the active slot, the canary weight) with nginx -t, publishes it into the volume the proxies
 *   share, and waits until the running proxy has loaded it.
 * Each container is replaced create-before-destroy under a generation-suffixed name.
 */
export class ServiceProxy extends Construct {
  /** The long-running nginx container (edge and router). */
  public readonly proxy: Container;
  /** The container holding the network namespace and the published host port the proxy containers join. */
  public readonly port: Container;
  /** The one-off container that checks and publishes the configuration; re-created on every change of it. */
  public readonly routingPublisher: Container;
  /** Volume holding the published configuration. */
  public readonly routingVolume: Volume;
  /** The router's rendered nginx.conf (fixed per application and environment), published with the routing. */
  public readonly nginxConfig: string;
  /** The edge's rendered configuration, part of the proxy container: a change starts a new proxy container. */
  public readonly edgeConfig: string;
  /** The rendered routing file as Terraform reads it: `${…}` parts are filled in at apply time. */
  public readonly routingConfig: string;

  constructor(scope: Construct, id: string, props: ServiceProxyProps) {
    super(scope, id);
    const { host, applicationName, addressStem } = props;
    const environmentName = host.environmentName;
    const image = host.infrastructureImage(props.proxyImage ?? DEFAULT_PROXY_IMAGE);
    const logs = rotatedLogs(10, 5);
    const imageId = attributeOf(this, image, "image_id");
    const networkName = attributeOf(this, host.network, "name");
    const labels = (role: string) =>
      labelsOf({ "wtfb.application": applicationName, "wtfb.environment": environmentName, "wtfb.role": role });
    const createBeforeDestroy = props.createBeforeDestroy ?? true;
    // A container replaced create-before-destroy needs a name Docker has not given out: each gets a generation,
    // replaced whenever what the container runs changes.
    const generation = (role: string, triggersReplace: unknown) => {
      const resource = new ReplacementGeneration(this, `${role}-generation`, {
        triggersReplace,
        lifecycle: createBeforeDestroy ? { createBeforeDestroy: true } : undefined,
      });
      resource.overrideLogicalId(`${addressStem}_${role}_generation`);
      return resource;
    };
    const nameOf = (role: "proxy" | "port" | "routing", triggersReplace: () => unknown) =>
      createBeforeDestroy
        ? containerName(
            applicationName,
            environmentName,
            role,
            generationSuffixOf(this, generation(role, triggersReplace())),
          )
        : containerName(applicationName, environmentName, role);

    this.nginxConfig = renderNginxConfig({ applicationName, environmentName, listenPort: PROXY_LISTEN_PORT });
    this.edgeConfig = renderEdgeConfig({ applicationName, environmentName, listenPort: PROXY_LISTEN_PORT });
    const routingConfig = renderRoutingConfig(props.routing);
    // Resolved once: the routing's Terraform expressions (container names, active slot, weights) as Terraform reads them.
    this.routingConfig = Tokenization.resolve(routingConfig, {
      scope: this,
      preparing: false,
      resolver: new DefaultTokenResolver(new StringConcat()),
    }) as string;

    this.routingVolume = new Volume(this, "routing-volume", {
      provider: host.provider,
      name: `${applicationName}-${environmentName}-routing`,
      labels: labels("routing"),
    });
    this.routingVolume.overrideLogicalId(`${addressStem}_routing`);
    const routingMount = { type: "volume", source: attributeOf(this, this.routingVolume, "name"), target: ROUTING_DIR };

    const routingEnvironment = [
      `WTFB_ROUTING_DIR=${ROUTING_DIR}`,
      `WTFB_CHECK_DIR=${ROUTING_CHECK_DIR}`,
      `WTFB_ROUTING_TIMEOUT_SECONDS=${ROUTING_ACK_TIMEOUT_SECONDS}`,
      `WTFB_PROXY_CONTAINER=${containerName(applicationName, environmentName, "proxy")}-`,
    ];
    this.routingPublisher = new RuntimeContainer(this, "routing", {
      provider: host.provider,
      name: nameOf("routing", () => ({
        image: imageId,
        // The routing holds Terraform references (names, slot, weight); the fixed texts go in as one hash.
        routing: routingConfig,
        fixed: fingerprint([this.nginxConfig, ROUTING_PUBLISH_SCRIPT, routingEnvironment, logs]),
      })),
      image: imageId,
      entrypoint: ["/bin/sh", "-c", ROUTING_PUBLISH_SCRIPT],
      env: routingEnvironment,
      // Checked with nginx -t on the environment network (every upstream name must resolve) before anything is published.
      upload: [
        { file: `${ROUTING_CHECK_DIR}/nginx.conf`, content: this.nginxConfig },
        { file: `${ROUTING_CHECK_DIR}/${ROUTING_INCLUDE}`, content: routingConfig },
      ],
      mounts: [routingMount],
      labels: labels("routing"),
      networksAdvanced: [{ name: networkName }],
      ...logs,
      restart: "no",
      mustRun: false,
      attach: true,
      dependsOn: props.after ? dependenciesOf(this, props.after) : undefined,
      lifecycle: {
        createBeforeDestroy: createBeforeDestroy || undefined,
        postcondition: [exitedCleanly(`Publishing the routing of ${applicationName} in ${environmentName}`)],
      },
    });
    this.routingPublisher.overrideLogicalId(`${addressStem}_routing`);

    if (props.hostPort !== undefined) host.claimHostPort(props.hostPort, applicationName);
    // Replaced only for another host port: a new port container with the same port could not start beside the old.
    const portGeneration = generation("port", { hostPort: props.hostPort ?? null, network: networkName });
    this.port = new RuntimeContainer(this, "port", {
      provider: host.provider,
      name: createBeforeDestroy
        ? containerName(applicationName, environmentName, "port", generationSuffixOf(this, portGeneration))
        : containerName(applicationName, environmentName, "port"),
      image: imageId,
      entrypoint: ["/bin/sh", "-c", PORT_HOLDER_SCRIPT],
      ports: props.hostPort !== undefined ? [{ internal: PROXY_LISTEN_PORT, external: props.hostPort }] : undefined,
      labels: labels("port"),
      networksAdvanced: [{ name: networkName }],
      sysctls: { ...PORT_SYSCTLS },
      restart: "unless-stopped",
      ...logs,
      stopTimeout: 2,
      lifecycle: {
        createBeforeDestroy: createBeforeDestroy || undefined,
        // It only sleeps: a new proxy image, or anything else but the port, never restarts it (and with it the port).
        ignoreChanges: "all",
        replaceTriggeredBy: [plainResource(portGeneration)],
      },
    });
    this.port.overrideLogicalId(`${addressStem}_port`);
    const portId = attributeOf(this, this.port, "id");

    const healthUrl = `http://127.0.0.1:${PROXY_LISTEN_PORT}${PROXY_HEALTH_PATH}`;
    const proxyHealthcheck = {
      // Its own two nginx must run: the port's health path may be answered by the proxy it replaces.
      test: [
        "CMD-SHELL",
        `kill -0 "$(cat ${EDGE_PID_FILE})" && kill -0 "$(cat ${ROUTER_PID_FILE})" && { wget -q -O /dev/null ${healthUrl} || curl -fsS -o /dev/null ${healthUrl}; }`,
      ],
      interval: "10s",
      timeout: "3s",
      retries: 3,
      startPeriod: "5s",
    };
    const proxyEnvironment = [
      `WTFB_ROUTING_DIR=${ROUTING_DIR}`,
      `WTFB_EDGE_CONFIG=${EDGE_CONFIG_FILE}`,
      `WTFB_RESOLVE_EVERY_SECONDS=${RESOLVE_EVERY_SECONDS}`,
      `WTFB_HANDOVER_FILE=${HANDOVER_FILE}`,
      `WTFB_HANDOVER_SECONDS=${HANDOVER_SECONDS}`,
      `WTFB_ACCESS_LOG=${ROUTER_ACCESS_LOG}`,
      `WTFB_ERROR_LOGS=${ROUTER_ERROR_LOG} ${EDGE_ERROR_LOG}`,
      `WTFB_LOG_ROTATE_KB=${LOG_ROTATE_KB}`,
    ];
    this.proxy = new RuntimeContainer(this, "proxy", {
      provider: host.provider,
      name: nameOf("proxy", () => ({
        image: imageId,
        port: portId,
        // Whatever else the container is made of, as one hash: a change of any replaces the container.
        fixed: fingerprint([this.edgeConfig, PROXY_SUPERVISOR_SCRIPT, proxyEnvironment, proxyHealthcheck, logs]),
      })),
      image: imageId,
      entrypoint: ["/bin/sh", "-c", PROXY_SUPERVISOR_SCRIPT],
      env: proxyEnvironment,
      upload: [{ file: EDGE_CONFIG_FILE, content: this.edgeConfig }],
      mounts: [routingMount],
      // The port container's network: its published port, its address on the environment network.
      networkMode: `container:${portId}`,
      labels: labels("proxy"),
      healthcheck: proxyHealthcheck,
      wait: true,
      waitTimeout: 60,
      restart: "unless-stopped",
      ...logs,
      stopTimeout: 10,
      destroyGraceSeconds: 10,
      // nginx starts from the published configuration, so it must exist first.
      dependsOn: dependenciesOf(this, [this.routingPublisher]),
      lifecycle: createBeforeDestroy ? { createBeforeDestroy: true } : undefined,
    });
    this.proxy.overrideLogicalId(`${addressStem}_proxy`);
  }
}

/** A resource as `replace_triggered_by` takes it: its plain address. */
function plainResource(resource: ReplacementGeneration): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}
