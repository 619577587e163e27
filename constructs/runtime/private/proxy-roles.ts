/**
 * The roles in front of every application's releases (SOP §4.2), one resource each with an instance per
 * application: the nginx proxy, the only container publishing the application's host port; the one-off routing
 * container that validates the rendered routing (active slot, canary weight) and publishes it into a volume the
 * proxy shares; that volume; and the volume holding the database backups. The proxy reloads gracefully when the
 * routing changes, so a switch or a weight change replaces only the routing container.
 */
import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import type { DockerHost } from "../docker-host";
import { PROXY_HEALTH_PATH, PROXY_LISTEN_PORT, ROUTING_INCLUDE } from "../nginx-config";
import { exitedCleanly, labelsOf, rotatedLogs } from "./container-spec";
import type { ForEachRole, NameEntry, RuntimeFleet } from "./fleet";
import { PROXY_SUPERVISOR_SCRIPT, ROUTING_ACK_TIMEOUT_SECONDS, ROUTING_CHECK_DIR, ROUTING_DIR, ROUTING_PUBLISH_SCRIPT } from "./shell-scripts";

export interface RoutingEntry {
  readonly name: string;
  readonly image: string;
  /** Name of the proxy container the routing container tells to reload. */
  readonly proxy: string;
  readonly nginx_conf: string;
  readonly routing_conf: string;
  readonly volume: string;
}

export interface ProxyEntry {
  readonly name: string;
  readonly image: string;
  readonly nginx_conf: string;
  readonly volume: string;
  /** The host port published, or none: reachable on the environment network only. */
  readonly host_ports: readonly number[];
}

/** The proxy roles of one host. */
export class ProxyRoles {
  public readonly routingVolume: ForEachRole<NameEntry>;
  public readonly routing: ForEachRole<RoutingEntry>;
  public readonly proxy: ForEachRole<ProxyEntry>;

  constructor(
    private readonly fleet: RuntimeFleet,
    private readonly host: DockerHost,
  ) {
    const provider = host.provider;
    const environment = host.environmentName;
    const logs = rotatedLogs(10, 5);
    const routingMount = (source: string) => [{ type: "volume", source, target: ROUTING_DIR }];

    this.routingVolume = fleet.role("docker_volume", "routing", (scope, id, each) =>
      new Volume(scope, id, { provider, forEach: each, name: each.getString("name"), labels: this.labels("routing", each.key as string) }),
    );

    this.routing = fleet.role<RoutingEntry>("docker_container", "routing", (scope, id, each) =>
      new Container(scope, id, {
        provider,
        forEach: each,
        name: each.getString("name"),
        image: each.getString("image"),
        entrypoint: ["/bin/sh", "-c", ROUTING_PUBLISH_SCRIPT],
        env: [
          `WTFB_ROUTING_DIR=${ROUTING_DIR}`,
          `WTFB_CHECK_DIR=${ROUTING_CHECK_DIR}`,
          `WTFB_ROUTING_TIMEOUT_SECONDS=${ROUTING_ACK_TIMEOUT_SECONDS}`,
          `WTFB_PROXY_CONTAINER=\${each.value.proxy}`,
        ],
        // Validated together with the proxy's nginx.conf before anything is published.
        upload: [
          { file: `${ROUTING_CHECK_DIR}/nginx.conf`, content: each.getString("nginx_conf") },
          { file: `${ROUTING_CHECK_DIR}/${ROUTING_INCLUDE}`, content: each.getString("routing_conf") },
        ],
        mounts: routingMount(each.getString("volume")),
        labels: this.labels("routing", each.key as string),
        networksAdvanced: [{ name: host.network.name }],
        ...logs,
        restart: "no",
        mustRun: false,
        attach: true,
        lifecycle: { postcondition: [exitedCleanly(`Publishing the routing of \${each.key} in ${environment}`)] },
      }),
    );

    const healthUrl = `http://127.0.0.1:${PROXY_LISTEN_PORT}${PROXY_HEALTH_PATH}`;
    this.proxy = fleet.role<ProxyEntry>("docker_container", "proxy", (scope, id, each) => {
      const proxy = new Container(scope, id, {
        provider,
        forEach: each,
        name: each.getString("name"),
        image: each.getString("image"),
        entrypoint: ["/bin/sh", "-c", PROXY_SUPERVISOR_SCRIPT],
        env: [`WTFB_ROUTING_DIR=${ROUTING_DIR}`],
        upload: [{ file: "/etc/nginx/nginx.conf", content: each.getString("nginx_conf") }],
        mounts: routingMount(each.getString("volume")),
        labels: this.labels("proxy", each.key as string),
        networksAdvanced: [{ name: host.network.name }],
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
      });
      // Published only where the application has a host port: a block per element of `host_ports` (none or one).
      proxy.addOverride("dynamic.ports", { for_each: "${each.value.host_ports}", content: { internal: PROXY_LISTEN_PORT, external: "${ports.value}" } });
      return proxy;
    });
    // nginx starts from the published routing, so it must exist first.
    this.proxy.dependOn(this.routing);
  }

  /** The volume of each application's database backups, made with the first application that has a database. */
  public backupVolume(): ForEachRole<NameEntry> {
    return this.fleet.role("docker_volume", "backups", (scope, id, each) =>
      new Volume(scope, id, {
        provider: this.host.provider,
        forEach: each,
        name: each.getString("name"),
        labels: this.labels("backup", each.key as string),
        // Backups outlive every release, and a destroy of the stack must not take them along.
        lifecycle: { preventDestroy: true },
      }),
    );
  }

  private labels(role: string, application: string): ReturnType<typeof labelsOf> {
    return labelsOf({ "wtfb.application": application, "wtfb.environment": this.host.environmentName, "wtfb.role": role });
  }
}
