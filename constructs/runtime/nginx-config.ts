/**
 * The reverse proxy's nginx configuration, as plain data rendered to text. The main file (`nginx.conf`) is fixed
 * per application and environment; which slot serves a request lives in `routing/routing.conf`, the only part a
 * deployment changes (active slot, canary weight), so a switch is a reload, never a proxy restart.
 */
import { Fn, Op, Token } from "cdktf";

/** Where a slot's requests go: a container name (or network alias) and port on the environment's network. */
export interface ProxyUpstream {
  /** Slot name as the routing file selects it: `blue`, `stable`, `replicas`, … */
  readonly slot: string;
  /** Host name Docker's DNS resolves on the environment network. */
  readonly host: string;
  /** Port the application listens on. */
  readonly port: number;
}

/** The fixed part of a proxy: what it listens on and where each slot is. */
export interface ProxyConfig {
  /** Application the proxy fronts. */
  readonly applicationName: string;
  /** Environment it runs in. */
  readonly environmentName: string;
  /** Port nginx listens on inside its container. */
  readonly listenPort: number;
  /** Every slot the routing file may select. */
  readonly upstreams: readonly ProxyUpstream[];
  /** DNS server resolving upstream names per request. @default "127.0.0.11" (Docker's embedded DNS) */
  readonly resolver?: string;
}

/**
 * Which slot serves a request. `select`: all requests go to one slot (blue-green's active slot, rolling's replicas).
 * `split`: a share of requests goes to the canary, the rest to stable. Values may be Terraform references
 * (tokens), resolved at apply time.
 */
export type ProxyRouting =
  | { readonly kind: "select"; readonly slot: string }
  | { readonly kind: "split"; readonly canaryWeightPercent: number; readonly stableSlot: string; readonly canarySlot: string };

/** Path of the routing file, relative to the main file's directory (nginx resolves includes against it). */
export const ROUTING_INCLUDE = "routing/routing.conf";
/** Port nginx listens on inside the proxy container (unprivileged, so unprivileged nginx images work too). */
export const PROXY_LISTEN_PORT = 8080;
/** Path the proxy answers its own health check on, without touching the application. */
export const PROXY_HEALTH_PATH = "/__wtfb/proxy-health";

const HOST_NAME = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;
const SLOT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Renders `nginx.conf`: logging, Docker DNS, the slot → upstream map and the proxying server. */
export function renderNginxConfig(config: ProxyConfig): string {
  if (config.upstreams.length === 0) throw new Error(`proxy of ${config.applicationName} in ${config.environmentName}: needs at least one upstream`);
  for (const upstream of config.upstreams) {
    if (!SLOT_NAME.test(upstream.slot) || !HOST_NAME.test(upstream.host) || !Number.isInteger(upstream.port)) {
      throw new Error(`proxy of ${config.applicationName}: upstream ${JSON.stringify(upstream)} is not a slot name, DNS name and port`);
    }
  }
  const upstreamMap = config.upstreams.map((upstream) => `        ${upstream.slot} ${upstream.host}:${upstream.port};`).join("\n");
  return checkedTemplateText(`# nginx.conf of the ${config.applicationName} proxy in ${config.environmentName}, rendered by wtfb-deploy.
# The slot serving each request is chosen in ${ROUTING_INCLUDE}; deployments rewrite that file and nginx reloads it.
worker_processes auto;
error_log /dev/stderr notice;

events {
    worker_connections 1024;
}

http {
    log_format wtfb escape=json '{"time":"$time_iso8601","request_id":"$request_id","method":"$request_method","uri":"$request_uri","status":$status,"request_time":$request_time,"slot":"$wtfb_slot","upstream":"$upstream_addr","upstream_status":"$upstream_status","upstream_response_time":"$upstream_response_time"}';
    access_log /dev/stdout wtfb;
    server_tokens off;

    # Docker's DNS, asked per request: a replaced container is found at its new address within 5 seconds.
    resolver ${config.resolver ?? "127.0.0.11"} valid=5s ipv6=off;
    resolver_timeout 2s;

    include ${ROUTING_INCLUDE};

    map $wtfb_slot $wtfb_upstream {
${upstreamMap}
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
        listen ${config.listenPort};

        location = ${PROXY_HEALTH_PATH} {
            access_log off;
            return 200 "ok\\n";
        }

        location / {
            proxy_pass http://$wtfb_upstream;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $wtfb_connection;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $wtfb_forwarded_proto;
            proxy_set_header X-Request-Id $request_id;
            proxy_connect_timeout 2s;
            proxy_next_upstream error timeout;
            # No slot reachable (all replicas replaced at once, a slot still starting): a retryable 503, not a 502.
            error_page 502 = @wtfb_unavailable;
        }

        location @wtfb_unavailable {
            add_header Retry-After 30 always;
            return 503 "${config.applicationName} is being deployed; retry in a few seconds\\n";
        }
    }
}
`);
}

/** Renders `routing/routing.conf`, which defines `$wtfb_slot` for every request. */
export function renderRoutingConfig(routing: ProxyRouting): string {
  if (routing.kind === "select") {
    if (!Token.isUnresolved(routing.slot) && !SLOT_NAME.test(routing.slot)) throw new Error(`routing slot ${JSON.stringify(routing.slot)} is not a slot name`);
    return `${checkedTemplateText("# Every request goes to one slot.\nmap $request_id $wtfb_slot {\n    default ")}${routing.slot};\n}\n`;
  }
  const weight = routing.canaryWeightPercent;
  const header = checkedTemplateText(`# A share of requests, drawn per request, goes to ${routing.canarySlot}; the rest to ${routing.stableSlot}.\nsplit_clients "$request_id" $wtfb_slot {\n`);
  const stable = `    * ${routing.stableSlot};\n}\n`;
  if (Token.isUnresolved(weight)) {
    // nginx rejects a 0% entry, so at weight 0 the canary line becomes a comment (decided at apply time).
    const canaryLine = Fn.conditional(Op.gte(weight, 1), `${Token.asString(weight)}% ${routing.canarySlot};`, `# canary weight 0: no request goes to ${routing.canarySlot}`);
    return `${header}    ${canaryLine}\n${stable}`;
  }
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
    throw new Error(`canary weight ${weight} is not a whole percentage from 0 to 100`);
  }
  const canaryLine = weight === 0 ? `# canary weight 0: no request goes to ${routing.canarySlot}` : `${weight}% ${routing.canarySlot};`;
  return `${header}    ${canaryLine}\n${stable}`;
}

/** Static text goes through Terraform's template engine: `${` and `%{` in it would be read as Terraform syntax. */
function checkedTemplateText(text: string): string {
  const match = /[$%]\{/.exec(text);
  if (match) throw new Error(`nginx config text contains ${match[0]} at offset ${match.index}, which Terraform would interpret; use $name instead of \${name}`);
  return text;
}
