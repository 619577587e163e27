import { Construct } from "constructs";
import { DefaultTokenResolver, StringConcat, Tokenization, type ITerraformDependable } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { DEFAULT_PROXY_IMAGE } from "../../config/runtime-schema";
import { containerName } from "../contract";
import type { DockerHost } from "./docker-host";
import {
  PROXY_HEALTH_PATH,
  PROXY_LISTEN_PORT,
  ROUTING_INCLUDE,
  renderEdgeConfig,
  renderNginxConfig,
  renderRoutingConfig,
  type ProxyRouting,
} from "./nginx-config";
import { exitedCleanly, labelsOf, rotatedLogs } from "./private/container-spec";
import {
  EDGE_CONFIG_FILE,
  PROXY_SUPERVISOR_SCRIPT,
  RESOLVE_EVERY_SECONDS,
  ROUTING_ACK_TIMEOUT_SECONDS,
  ROUTING_CHECK_DIR,
  ROUTING_DIR,
  ROUTING_PUBLISH_SCRIPT,
} from "./private/shell-scripts";
import { RuntimeContainer } from "./private/runtime-container";
import { attributeOf, dependenciesOf } from "./private/references";

export interface ServiceProxyProps {
  /** The environment's Docker host. */
  readonly host: DockerHost;
  /** Application the proxy fronts. */
  readonly applicationName: string;
  /** Start of the proxy's Terraform names: `web` gives `docker_container.web_proxy`, `web_routing`, `docker_volume.web_routing`. */
  readonly addressStem: string;
  /** Which containers serve requests; may hold Terraform references (container names, active slot, canary weight). */
  readonly routing: ProxyRouting;
  /** Port published on the Docker host. @default - none: reachable on the environment network only */
  readonly hostPort?: number;
  /** nginx image; needs /bin/sh, cksum, sleep, kill and wget or curl. @default "nginx:1.27-alpine" */
  readonly proxyImage?: string;
  /** Containers that must be healthy before new routing is published (every container it routes to). @default - none */
  readonly after?: readonly ITerraformDependable[];
}

/**
 * The reverse proxy in front of an application's releases (SOP §4.2): a container running two nginx, the only one
 * publishing the application's host port — the edge, holding the clients' connections and never reloaded, and the
 * router behind it, reloaded on every change of the routing — and a one-off routing container that checks the rendered configuration (nginx.conf
 * and the routing: which containers serve, the active slot, the canary weights) with nginx -t and publishes it into
 * a volume the proxy shares. The proxy reloads gracefully on every publication, so a deployment, a switch, a weight
 * change or a new nginx.conf replaces only the routing container; the proxy itself keeps running.
 */
export class ServiceProxy extends Construct {
  /** The long-running nginx container. */
  public readonly proxy: Container;
  /** The one-off container that checks and publishes the configuration; re-created on every change of it. */
  public readonly routingPublisher: Container;
  /** Volume holding the published configuration. */
  public readonly routingVolume: Volume;
  /** The router's rendered nginx.conf (fixed per application and environment), published with the routing. */
  public readonly nginxConfig: string;
  /** The edge's rendered configuration, part of the proxy container: a change replaces the proxy. */
  public readonly edgeConfig: string;
  /** The rendered routing file as Terraform reads it: `${…}` parts are filled in at apply time. */
  public readonly routingConfig: string;

  constructor(scope: Construct, id: string, props: ServiceProxyProps) {
    super(scope, id);
    const { host, applicationName, addressStem } = props;
    const environmentName = host.environmentName;
    const image = host.infrastructureImage(props.proxyImage ?? DEFAULT_PROXY_IMAGE);
    const proxyName = containerName(applicationName, environmentName, "proxy");
    const routingName = containerName(applicationName, environmentName, "routing");
    const logs = rotatedLogs(10, 5);
    const imageId = attributeOf(this, image, "image_id");
    const networkName = attributeOf(this, host.network, "name");
    const labels = (role: string) =>
      labelsOf({ "wtfb.application": applicationName, "wtfb.environment": environmentName, "wtfb.role": role });

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

    this.routingPublisher = new RuntimeContainer(this, "routing", {
      provider: host.provider,
      name: routingName,
      image: imageId,
      entrypoint: ["/bin/sh", "-c", ROUTING_PUBLISH_SCRIPT],
      env: [
        `WTFB_ROUTING_DIR=${ROUTING_DIR}`,
        `WTFB_CHECK_DIR=${ROUTING_CHECK_DIR}`,
        `WTFB_ROUTING_TIMEOUT_SECONDS=${ROUTING_ACK_TIMEOUT_SECONDS}`,
        `WTFB_PROXY_CONTAINER=${proxyName}`,
      ],
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
        postcondition: [exitedCleanly(`Publishing the routing of ${applicationName} in ${environmentName}`)],
      },
    });
    this.routingPublisher.overrideLogicalId(`${addressStem}_routing`);

    if (props.hostPort !== undefined) host.claimHostPort(props.hostPort, applicationName);
    const healthUrl = `http://127.0.0.1:${PROXY_LISTEN_PORT}${PROXY_HEALTH_PATH}`;
    this.proxy = new RuntimeContainer(this, "proxy", {
      provider: host.provider,
      name: proxyName,
      image: imageId,
      entrypoint: ["/bin/sh", "-c", PROXY_SUPERVISOR_SCRIPT],
      env: [
        `WTFB_ROUTING_DIR=${ROUTING_DIR}`,
        `WTFB_EDGE_CONFIG=${EDGE_CONFIG_FILE}`,
        `WTFB_RESOLVE_EVERY_SECONDS=${RESOLVE_EVERY_SECONDS}`,
      ],
      upload: [{ file: EDGE_CONFIG_FILE, content: this.edgeConfig }],
      mounts: [routingMount],
      ports: props.hostPort !== undefined ? [{ internal: PROXY_LISTEN_PORT, external: props.hostPort }] : undefined,
      labels: labels("proxy"),
      networksAdvanced: [{ name: networkName }],
      healthcheck: {
        test: ["CMD-SHELL", `wget -q -O /dev/null ${healthUrl} || curl -fsS -o /dev/null ${healthUrl}`],
        interval: "10s",
        timeout: "3s",
        retries: 3,
        startPeriod: "5s",
      },
      wait: true,
      waitTimeout: 60,
      restart: "unless-stopped",
      ...logs,
      stopTimeout: 10,
      destroyGraceSeconds: 10,
      // nginx starts from the published configuration, so it must exist first.
      dependsOn: dependenciesOf(this, [this.routingPublisher]),
    });
    this.proxy.overrideLogicalId(`${addressStem}_proxy`);
  }
}
