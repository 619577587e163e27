import { describeWhen } from "../helpers";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import {
  ROUTER_ADDRESS,
  ROUTING_INCLUDE,
  renderEdgeConfig,
  renderNginxConfig,
  renderRoutingConfig,
} from "../../constructs/runtime/nginx-config";
import { EDGE_CONFIG_FILE, ROUTING_CHECK_DIR } from "../../constructs/runtime/private/shell-scripts";
import { NGINX, containerNamed, nginxTest, synthDeployment, uploadedFile, type TerraformJson } from "./fixtures";
import { renderTerraformTemplate, type TemplateVariables } from "./terraform-template";

/** The files the routing container checks and publishes, as synthesized, with Terraform's values filled in. */
function publishedProxyFiles(
  json: TerraformJson,
  variables: TemplateVariables,
): { nginxConf: string; routingConf: string } {
  const routing = containerNamed(json, "web-staging-routing");
  return {
    nginxConf: renderTerraformTemplate(uploadedFile(routing, `${ROUTING_CHECK_DIR}/nginx.conf`), variables),
    routingConf: renderTerraformTemplate(uploadedFile(routing, `${ROUTING_CHECK_DIR}/${ROUTING_INCLUDE}`), variables),
  };
}

/** Container names as Terraform would know them after the apply; addresses nginx -t can resolve without Docker's DNS. */
const NAMES = {
  "docker_container.web_blue.name": "127.0.0.2",
  "docker_container.web_green.name": "127.0.0.3",
  "docker_container.web_stable.name": "127.0.0.2",
  "docker_container.web_canary.name": "127.0.0.3",
  "docker_container.web_1.name": "127.0.0.2",
  "docker_container.web_2.name": "127.0.0.3",
  "docker_container.web_3.name": "127.0.0.4",
};

const withNginx = describeWhen(
  NGINX !== undefined,
  "nginx is not installed, so the proxy configs are not checked with nginx -t; install Debian's nginx-light (.ci/run does)",
);

withNginx("the synthesized proxy configuration passes the real nginx -t", () => {
  const blueGreen = synthDeployment({ strategy: DeploymentStrategy.blueGreen() });
  const canary = synthDeployment({ strategy: DeploymentStrategy.canary() });
  const rolling = synthDeployment({ strategy: DeploymentStrategy.rolling({ replicas: 3 }) });

  it.each([
    ["blue", "127.0.0.2", "127.0.0.3"],
    ["green", "127.0.0.3", "127.0.0.2"],
  ])("blue-green with %s active", (activeSlot, active, idle) => {
    // GIVEN the staging proxy, with the active slot the deploy workflow sets
    const files = publishedProxyFiles(blueGreen.json, { ...NAMES, web_active_slot: activeSlot });
    // WHEN nginx checks it
    const result = nginxTest(files.nginxConf, files.routingConf);
    // THEN it is valid, every request goes to the active slot's container, and the other is the fallback
    expect(result).toEqual({ ok: true, output: expect.stringContaining("test is successful") });
    expect(files.routingConf).toContain(
      `    server ${active}:3000 weight=1 max_fails=1 fail_timeout=1s;\n    server ${idle}:3000 backup max_fails=1 fail_timeout=1s;\n`,
    );
  });

  it.each([
    [0, ""],
    [5, "    5% wtfb_canary;\n"],
    [25, "    25% wtfb_canary;\n"],
    [100, "    100% wtfb_canary;\n"],
  ])("canary with weight %i", (weight, canaryLine) => {
    // GIVEN the proxy of a canary deployment at a weight the workflow may set
    const files = publishedProxyFiles(canary.json, { ...NAMES, web_canary_weight: weight });
    // WHEN nginx checks it
    const result = nginxTest(files.nginxConf, files.routingConf);
    // THEN it is valid: the weight is the canary's share of request ids (none at 0: split_clients has no 0%), and
    // each slot's group falls back to the other slot
    expect(result).toEqual({ ok: true, output: expect.stringContaining("test is successful") });
    expect(files.routingConf).toContain(
      `split_clients $request_id $wtfb_upstream {\n${canaryLine}    * wtfb_stable;\n}\n` +
        "upstream wtfb_stable {\n    server 127.0.0.2:3000 weight=1 max_fails=1 fail_timeout=1s;\n    server 127.0.0.3:3000 backup max_fails=1 fail_timeout=1s;\n}\n" +
        "upstream wtfb_canary {\n    server 127.0.0.3:3000 weight=1 max_fails=1 fail_timeout=1s;\n    server 127.0.0.2:3000 backup max_fails=1 fail_timeout=1s;\n}\n",
    );
  });

  it("rolling, balancing over the replicas' containers", () => {
    // GIVEN the proxy of three rolling replicas
    const files = publishedProxyFiles(rolling.json, NAMES);
    // WHEN nginx checks it / THEN it is valid and lists every replica
    expect(nginxTest(files.nginxConf, files.routingConf).ok).toBe(true);
    for (const address of ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
      expect(files.routingConf).toContain(`    server ${address}:3000 weight=1 max_fails=1 fail_timeout=1s;`);
  });

  it("the edge in front of the router, as the proxy container holds it", () => {
    // GIVEN the edge configuration uploaded into the proxy container
    const edge = uploadedFile(containerNamed(blueGreen.json, "web-staging-proxy"), EDGE_CONFIG_FILE);
    // WHEN nginx checks it on its own (the routing container is its only other file) / THEN it is valid
    expect(nginxTest(edge, "").ok).toBe(true);
    expect(edge).toContain(`server ${ROUTER_ADDRESS} max_fails=0;`);
  });

  it("fails when the routing names a container that does not resolve (the check can fail)", () => {
    // GIVEN a routing whose active container is not (yet) on the network
    const files = publishedProxyFiles(blueGreen.json, {
      ...NAMES,
      "docker_container.web_blue.name": "web-staging-blue-0badf00d.invalid",
      web_active_slot: "blue",
    });
    // WHEN nginx checks it / THEN it is rejected, so the routing container fails and nothing is published
    const result = nginxTest(files.nginxConf, files.routingConf);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('host not found in upstream "web-staging-blue-0badf00d.invalid:3000"');
  });
});

describe("renderNginxConfig", () => {
  const config = { applicationName: "web", environmentName: "production", listenPort: 8080 };

  it("proxies to the routing file's upstream, skipping a container that fails, and answers 503 with Retry-After when none is reachable", () => {
    // WHEN the main config is rendered
    const text = renderNginxConfig(config);
    // THEN the upstream is the routing file's, a failed attempt goes to the next container, and no bare 502/504 reaches a client
    expect(text).toContain(`include ${ROUTING_INCLUDE};`);
    expect(text).toContain("proxy_pass http://$wtfb_upstream;");
    expect(text).toContain("proxy_next_upstream error timeout http_502 http_503 http_504;");
    expect(text).toContain("proxy_connect_timeout 1s;");
    expect(text).toContain("error_page 502 504 = @wtfb_unavailable;");
    expect(text).toContain("add_header Retry-After 5 always;\n            return 503");
    expect(text).toContain(`listen ${ROUTER_ADDRESS} reuseport;`);
    // AND nothing nginx writes depends on the image's paths
    expect(text).toContain("pid /tmp/wtfb-nginx.pid;");
  });

  it("contains nothing Terraform would read as template syntax", () => {
    // The text is a Terraform string: ${ or %{ in it would be interpolated at apply time.
    expect(renderNginxConfig(config)).not.toMatch(/[$%]\{/);
    expect(renderEdgeConfig(config)).not.toMatch(/[$%]\{/);
  });

  it("puts an edge on the application's port in front of the router, keeping clients' connections and retrying on a new connection to the router", () => {
    const edge = renderEdgeConfig(config);
    // reuseport: the proxy container taking over the port (a new image) listens beside this one
    expect(edge).toContain("listen 8080 reuseport;");
    expect(edge).toContain("proxy_pass http://wtfb_router;");
    expect(edge).toContain("keepalive 64;");
    expect(edge).toContain("proxy_next_upstream error timeout non_idempotent;");
    expect(edge).toContain("add_header Retry-After 5 always;\n            return 503");
    // The edge logs no access: the router does, with the container each request went to.
    expect(edge).toContain("access_log off;");
    // While its container stops, every answer closes its connection (kept-alive clients move to the new proxy)
    expect(edge).toContain("if (-f /tmp/wtfb-handover) {\n            rewrite ^ /__wtfb/handover last;\n        }");
    expect(edge).toContain(
      "location = /__wtfb/handover {\n            internal;\n            keepalive_timeout 0;\n            proxy_pass http://wtfb_router$request_uri;\n        }",
    );
  });

  it("fails when Retry-After is not a whole number of seconds", () => {
    expect(() => renderNginxConfig({ ...config, retryAfterSeconds: 0 })).toThrow(
      "proxy of web: retryAfterSeconds is 0; use a whole number of seconds, at least 1",
    );
  });
});

describe("renderRoutingConfig", () => {
  it("sends every request to the active slot, the other as fallback", () => {
    expect(
      renderRoutingConfig({
        kind: "active",
        activeSlot: "green",
        blueHost: "web-blue",
        greenHost: "web-green",
        port: 3000,
      }),
    ).toBe(
      '# Every request goes to the active slot; the other slot serves only when the active one fails.\nmap "" $wtfb_upstream {\n    default wtfb_application;\n}\n' +
        "upstream wtfb_application {\n    server web-green:3000 weight=1 max_fails=1 fail_timeout=1s;\n    server web-blue:3000 backup max_fails=1 fail_timeout=1s;\n}\n",
    );
  });

  it("sends the weight's share of request ids to the canary, the rest to stable, each slot the other's fallback", () => {
    const weighted = (canaryWeightPercent: number) =>
      renderRoutingConfig({ kind: "weighted", canaryWeightPercent, stableHost: "s", canaryHost: "c", port: 80 });
    const groups =
      "upstream wtfb_stable {\n    server s:80 weight=1 max_fails=1 fail_timeout=1s;\n    server c:80 backup max_fails=1 fail_timeout=1s;\n}\n" +
      "upstream wtfb_canary {\n    server c:80 weight=1 max_fails=1 fail_timeout=1s;\n    server s:80 backup max_fails=1 fail_timeout=1s;\n}\n";
    expect(weighted(25)).toContain(
      `split_clients $request_id $wtfb_upstream {\n    25% wtfb_canary;\n    * wtfb_stable;\n}\n${groups}`,
    );
    expect(weighted(0)).toContain(`split_clients $request_id $wtfb_upstream {\n    * wtfb_stable;\n}\n${groups}`);
    expect(weighted(100)).toContain(
      `split_clients $request_id $wtfb_upstream {\n    100% wtfb_canary;\n    * wtfb_stable;\n}\n${groups}`,
    );
  });

  it("fails when a canary weight is outside 0–100, or a host is not a DNS name", () => {
    expect(() =>
      renderRoutingConfig({ kind: "weighted", canaryWeightPercent: 101, stableHost: "s", canaryHost: "c", port: 80 }),
    ).toThrow("canary weight 101 is not a whole percentage from 0 to 100");
    expect(() => renderRoutingConfig({ kind: "replicas", hosts: ["web_1;"], port: 80 })).toThrow(
      'routing: upstream host "web_1;" is not a DNS name',
    );
  });
});
