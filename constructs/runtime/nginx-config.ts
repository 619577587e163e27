/**
 * The reverse proxy's nginx configuration, as plain data rendered to text. The proxy container runs two nginx:
 * - the edge (`edge.conf`, fixed, part of the container): holds the clients' connections on the application's port
 *   and passes every request to the router on the loopback. It is never reloaded, so no deployment closes a
 *   client's kept-alive connection; when the router closes an idle connection during its reload, the edge retries
 *   the request on a new one.
 * - the router (`nginx.conf`, fixed per application and environment, and `routing.conf`, which a deployment
 *   rewrites): sends each request to the containers that serve, skipping one that fails; it is reloaded gracefully
 *   whenever the routing container publishes a new configuration.
 */
import { Fn, Op, Token } from "cdktf";

/** The fixed part of a proxy: what it listens on. */
export interface ProxyConfig {
  /** Application the proxy fronts. */
  readonly applicationName: string;
  /** Environment it runs in. */
  readonly environmentName: string;
  /** Port nginx listens on inside its container. */
  readonly listenPort: number;
  /** Seconds a client is told to wait (`Retry-After`) when no container of the application is reachable. @default 5 */
  readonly retryAfterSeconds?: number;
}

/**
 * Which containers serve requests; host names may be Terraform references (tokens) to container names, resolved at
 * apply time, as may the active slot and the canary weight.
 * - `replicas`: round-robin over every replica (rolling).
 * - `active`: every request to the active slot, the other slot only when the active one fails (blue-green).
 * - `weighted`: each request goes to the canary with the canary's weight as its probability (a hash of the request's
 *   id), the rest to stable; each slot falls back to the other when it fails (canary).
 */
export type ProxyRouting =
  | { readonly kind: "replicas"; readonly hosts: readonly string[]; readonly port: number }
  | {
      readonly kind: "active";
      readonly activeSlot: string;
      readonly blueHost: string;
      readonly greenHost: string;
      readonly port: number;
    }
  | {
      readonly kind: "weighted";
      readonly canaryWeightPercent: number;
      readonly stableHost: string;
      readonly canaryHost: string;
      readonly port: number;
    };

/** File name of the routing file, beside nginx.conf (nginx resolves includes against the main file's directory). */
export const ROUTING_INCLUDE = "routing.conf";
/** Port the edge nginx listens on inside the proxy container (unprivileged, so unprivileged nginx images work too). */
export const PROXY_LISTEN_PORT = 8080;
/**
 * Address the router nginx listens on and the edge passes requests to, inside the proxy container: loopback TCP,
 * not a unix socket, whose file the workers of the other nginx (another user than the master) may not open.
 */
export const ROUTER_ADDRESS = "127.0.0.1:8081";
/**
 * File whose presence tells the edge that its proxy container is handing the port over to another: the supervisor
 * creates it when the container is stopped, a moment before nginx quits.
 */
export const HANDOVER_FILE = "/tmp/wtfb-handover";
/** The edge's internal location for requests answered while handing over. */
const HANDOVER_LOCATION = "/__wtfb/handover";
/**
 * The proxy's log files, inside the proxy container; its supervisor copies them to the container's output (`docker
 * logs`) and rotates them.
 */
export const ROUTER_ACCESS_LOG = "/tmp/wtfb-router-access.log";
export const ROUTER_ERROR_LOG = "/tmp/wtfb-router-error.log";
export const EDGE_ERROR_LOG = "/tmp/wtfb-edge-error.log";
/** Where the router and the edge nginx write their master's pid, inside the proxy container. */
export const ROUTER_PID_FILE = "/tmp/wtfb-nginx.pid";
export const EDGE_PID_FILE = "/tmp/wtfb-edge.pid";
/** Path the proxy answers its own health check on, without touching the application. */
export const PROXY_HEALTH_PATH = "/__wtfb/proxy-health";
/** Name of the upstream the routing file defines for rolling and blue-green. */
export const UPSTREAM_NAME = "wtfb_application";
/** The variable naming the upstream of a request: the routing file defines it, the router proxies to it. */
export const UPSTREAM_VARIABLE = "$wtfb_upstream";
/**
 * A server that failed once (refused, timed out, or answered 502/503/504) gets no request for this long, then one
 * request to probe it: a killed container costs its share of requests at most one retry each, never a failure.
 */
export const SERVER_FAIL_TIMEOUT = "1s";

const HOST_NAME = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;

/** Renders the router's `nginx.conf`: logging, the failover policy, the 503 page and the proxying server. */
export function renderNginxConfig(config: ProxyConfig): string {
  const retryAfter = retryAfterOf(config);
  return checkedTemplateText(`# nginx.conf of the ${config.applicationName} proxy's router in ${config.environmentName}, rendered by wtfb-deploy.
# The containers serving requests are listed in ${ROUTING_INCLUDE}; deployments rewrite that file and nginx reloads it.
# Clients connect to the edge nginx on port ${config.listenPort}, which passes requests on to this router at ${ROUTER_ADDRESS}.
worker_processes auto;
# Logs go to files the supervisor copies to the container's output: nginx writes a log line without waiting for
# anything, where a write to the container's stdout blocks the whole worker whenever Docker is slow to read it.
error_log ${ROUTER_ERROR_LOG} notice;
# Everything nginx writes lives under /tmp, so the image's own paths and user do not matter.
pid ${ROUTER_PID_FILE};
# A reload lets old workers finish their requests; long-lived connections (websockets) get this long.
worker_shutdown_timeout 60s;

events {
    # A client connection and a connection behind it per request in flight, with room for slow answers under load.
    worker_connections 8192;
}

http {
    log_format wtfb escape=json '{"time":"$time_iso8601","request_id":"$http_x_request_id","method":"$request_method","uri":"$request_uri","status":$status,"request_time":$request_time,"upstream":"$upstream_addr","upstream_status":"$upstream_status","upstream_response_time":"$upstream_response_time"}';
    access_log ${ROUTER_ACCESS_LOG} wtfb;
    server_tokens off;
${temporaryPaths("nginx")}
    keepalive_timeout 65s;

    include ${ROUTING_INCLUDE};

    map $http_upgrade $wtfb_connection {
        default upgrade;
        "" "";
    }

    server {
        # reuseport: the router of the proxy container taking over (a new proxy image) listens beside this one.
        listen ${ROUTER_ADDRESS} reuseport;

        location = ${PROXY_HEALTH_PATH} {
            access_log off;
            return 200 "ok\\n";
        }

        location / {
            # The routing file names the upstream group of each request (an upstream name, so no resolver is used).
            proxy_pass http://${UPSTREAM_VARIABLE};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $wtfb_connection;
            # The edge set these for the client; they pass through unchanged.
            proxy_set_header X-Forwarded-For $http_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
            proxy_set_header X-Request-Id $http_x_request_id;
            # A container that refuses, does not answer, or answers 502/503/504 is skipped: the request goes to the
            # next one (the other replica, the other slot), which the routing file always lists.
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout http_502 http_503 http_504;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 10s;
            # No container reachable at all: a retryable 503, never a bare 502 or 504.
            error_page 502 504 = @wtfb_unavailable;
        }

${unavailableLocation(config.applicationName, retryAfter)}
    }
}
`);
}

/** Renders the edge's `edge.conf`: the application's port, kept-alive client connections, the router behind. */
export function renderEdgeConfig(config: ProxyConfig): string {
  const retryAfter = retryAfterOf(config);
  return checkedTemplateText(`# edge.conf of the ${config.applicationName} proxy in ${config.environmentName}, rendered by wtfb-deploy.
# Holds the clients' connections and is never reloaded; the router behind ${ROUTER_ADDRESS} is reloaded on every deployment.
worker_processes auto;
error_log ${EDGE_ERROR_LOG} notice;
pid ${EDGE_PID_FILE};
worker_shutdown_timeout 60s;

events {
    # A client connection and a connection behind it per request in flight, with room for slow answers under load.
    worker_connections 8192;
}

http {
    # The router logs every request with its upstream; the edge logs only errors.
    access_log off;
    server_tokens off;
${temporaryPaths("edge")}
    keepalive_timeout 65s;

    upstream wtfb_router {
        server ${ROUTER_ADDRESS} max_fails=0;
        keepalive 64;
        # Shorter than the router's keepalive_timeout, so the edge never reuses a connection the router is closing.
        keepalive_timeout 30s;
    }

    map $http_upgrade $wtfb_connection {
        default upgrade;
        "" "";
    }

    # Keep the scheme a TLS-terminating load balancer in front of the proxy reported.
    map $http_x_forwarded_proto $wtfb_forwarded_proto {
        default $http_x_forwarded_proto;
        "" $scheme;
    }

    server {
        # reuseport: while a new proxy container takes over (a new proxy image), both edges listen on the port, and the
        # connections waiting on this one's sockets when it closes them move to the new one's (tcp_migrate_req).
        listen ${config.listenPort} reuseport;

        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $wtfb_connection;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $wtfb_forwarded_proto;
        proxy_set_header X-Request-Id $request_id;
        # A connection the reloading router closed while idle fails before the router read the request, so the
        # request is sent again on a new connection, whatever its method.
        proxy_next_upstream error timeout non_idempotent;
        proxy_next_upstream_tries 3;
        proxy_connect_timeout 1s;
        # The router not running (the container starting or stopping): a retryable 503, never a bare 502 or 504.
        error_page 502 504 = @wtfb_unavailable;

        # Handing the port over (this proxy container is stopping): every answer closes its connection, so each
        # client moves to a new connection after its next request, instead of meeting a kept-alive connection that
        # closes under it when this nginx quits.
        if (-f ${HANDOVER_FILE}) {
            rewrite ^ ${HANDOVER_LOCATION} last;
        }

        location / {
            proxy_pass http://wtfb_router;
        }

        location = ${HANDOVER_LOCATION} {
            internal;
            keepalive_timeout 0;
            proxy_pass http://wtfb_router$request_uri;
        }

${unavailableLocation(config.applicationName, retryAfter)}
    }
}
`);
}

/** Where an nginx of the proxy container keeps its temporary files: under /tmp, whatever the image's own paths. */
function temporaryPaths(name: string): string {
  return ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((kind) => `    ${kind}_temp_path /tmp/wtfb-${name}-${kind.replace("_", "-")};`)
    .join("\n");
}

/** The named location both the edge and the router answer with when nothing behind them is reachable. */
function unavailableLocation(applicationName: string, retryAfter: number): string {
  return `        location @wtfb_unavailable {
            default_type text/plain;
            add_header Retry-After ${retryAfter} always;
            return 503 "${applicationName} is being deployed; retry in a few seconds\\n";
        }`;
}

function retryAfterOf(config: ProxyConfig): number {
  const retryAfter = config.retryAfterSeconds ?? 5;
  if (!Number.isInteger(retryAfter) || retryAfter < 1)
    throw new Error(
      `proxy of ${config.applicationName}: retryAfterSeconds is ${retryAfter}; use a whole number of seconds, at least 1`,
    );
  return retryAfter;
}

/** Renders `routing.conf`: the upstream groups, and which of them each request goes to. */
export function renderRoutingConfig(routing: ProxyRouting): string {
  if (!Number.isInteger(routing.port) || routing.port < 1 || routing.port > 65535)
    throw new Error(`routing: port ${routing.port} is not a TCP port`);
  const server = (host: string, parameters: string) =>
    `    server ${checkedHost(host)}:${routing.port} ${parameters} max_fails=1 fail_timeout=${SERVER_FAIL_TIMEOUT};`;
  const upstream = (name: string, servers: readonly string[]) =>
    `${checkedTemplateText(`upstream ${name} {\n`)}${servers.join("\n")}\n}\n`;
  const single = (comment: string, servers: readonly string[]) =>
    `${checkedTemplateText(`# ${comment}\nmap "" ${UPSTREAM_VARIABLE} {\n    default ${UPSTREAM_NAME};\n}\n`)}${upstream(UPSTREAM_NAME, servers)}`;
  switch (routing.kind) {
    case "replicas":
      if (routing.hosts.length === 0) throw new Error("routing: replicas needs at least one host");
      return single(
        "Round-robin over the replicas; a replica that fails is skipped.",
        routing.hosts.map((host) => server(host, "weight=1")),
      );
    case "active": {
      const { activeSlot, blueHost, greenHost } = routing;
      if (!Token.isUnresolved(activeSlot) && activeSlot !== "blue" && activeSlot !== "green")
        throw new Error(`routing: active slot ${JSON.stringify(activeSlot)} is neither blue nor green`);
      const blueActive = Token.isUnresolved(activeSlot) ? Op.eq(activeSlot, "blue") : activeSlot === "blue";
      const pick = (whenBlue: string, whenGreen: string): string =>
        typeof blueActive === "boolean"
          ? blueActive
            ? whenBlue
            : whenGreen
          : Token.asString(Fn.conditional(blueActive, whenBlue, whenGreen));
      return single("Every request goes to the active slot; the other slot serves only when the active one fails.", [
        server(pick(blueHost, greenHost), "weight=1"),
        server(pick(greenHost, blueHost), "backup"),
      ]);
    }
    case "weighted": {
      const weight = routing.canaryWeightPercent;
      // split_clients has no 0%: at weight 0 the canary line is left out, and every request goes to stable.
      let canaryLine: string;
      if (Token.isUnresolved(weight)) {
        canaryLine = Token.asString(
          Fn.conditional(Op.gte(weight, 1), `    ${Token.asString(weight)}% ${CANARY_UPSTREAM};\n`, ""),
        );
      } else {
        if (!Number.isInteger(weight) || weight < 0 || weight > 100)
          throw new Error(`canary weight ${weight} is not a whole percentage from 0 to 100`);
        canaryLine = weight >= 1 ? `    ${weight}% ${CANARY_UPSTREAM};\n` : "";
      }
      const { stableHost, canaryHost } = routing;
      return (
        checkedTemplateText(
          "# Each request goes to the canary with the weight as its probability (a hash of its random id, so every client\n" +
            "# sees the weight), the rest to stable; each slot falls back to the other when it fails.\n" +
            `split_clients $request_id ${UPSTREAM_VARIABLE} {\n`,
        ) +
        canaryLine +
        `    * ${STABLE_UPSTREAM};\n}\n` +
        upstream(STABLE_UPSTREAM, [server(stableHost, "weight=1"), server(canaryHost, "backup")]) +
        upstream(CANARY_UPSTREAM, [server(canaryHost, "weight=1"), server(stableHost, "backup")])
      );
    }
  }
}

/** The upstream groups of a canary deployment: each slot first, the other as its fallback. */
const STABLE_UPSTREAM = "wtfb_stable";
const CANARY_UPSTREAM = "wtfb_canary";

function checkedHost(host: string): string {
  if (!Token.isUnresolved(host) && !HOST_NAME.test(host))
    throw new Error(`routing: upstream host ${JSON.stringify(host)} is not a DNS name`);
  return host;
}

/** Static text goes through Terraform's template engine: `${` and `%{` in it would be read as Terraform syntax. */
function checkedTemplateText(text: string): string {
  const match = /[$%]\{/.exec(text);
  if (match)
    throw new Error(
      `nginx config text contains ${match[0]} at offset ${match.index}, which Terraform would interpret; use $name instead of \${name}`,
    );
  return text;
}
