import { describeWhen } from "../helpers";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import { ROUTING_INCLUDE, renderNginxConfig, renderRoutingConfig } from "../../constructs/runtime/nginx-config";
import { ROUTING_CHECK_DIR } from "../../constructs/runtime/private/shell-scripts";
import { NGINX, containerNamed, nginxTest, synthDeployment, uploadedFile, type TerraformJson } from "./fixtures";
import { renderTerraformTemplate, type TemplateVariables } from "./terraform-template";

/** The files the routing container validates and publishes, as synthesized, with the release variables filled in. */
function publishedProxyFiles(json: TerraformJson, variables: TemplateVariables): { nginxConf: string; routingConf: string } {
  const routing = containerNamed(json, "web-staging-routing");
  const proxy = containerNamed(json, "web-staging-proxy");
  const nginxConf = uploadedFile(proxy, "/etc/nginx/nginx.conf");
  // The routing container validates against the very file the proxy runs.
  expect(uploadedFile(routing, `${ROUTING_CHECK_DIR}/nginx.conf`)).toBe(nginxConf);
  return {
    nginxConf: renderTerraformTemplate(nginxConf, variables),
    routingConf: renderTerraformTemplate(uploadedFile(routing, `${ROUTING_CHECK_DIR}/${ROUTING_INCLUDE}`), variables),
  };
}

const withNginx = describeWhen(NGINX !== undefined, "nginx is not installed, so the proxy configs are not checked with nginx -t; install Debian's nginx-light (.ci/run does)");

withNginx("the synthesized proxy configuration passes the real nginx -t", () => {
  const blueGreen = synthDeployment({ strategy: DeploymentStrategy.blueGreen() });
  const canary = synthDeployment({ strategy: DeploymentStrategy.canary() });
  const rolling = synthDeployment({ strategy: DeploymentStrategy.rolling({ replicas: 3 }) });

  it.each(["blue", "green"])("blue-green with %s active", (activeSlot) => {
    // GIVEN the staging proxy, with the active slot the deploy workflow sets
    const files = publishedProxyFiles(blueGreen.json, { web_active_slot: activeSlot });
    // WHEN nginx checks it
    const result = nginxTest(files.nginxConf, files.routingConf);
    // THEN it is valid, and every request goes to the active slot
    expect(result).toEqual({ ok: true, output: expect.stringContaining("test is successful") });
    expect(files.routingConf).toContain(`default ${activeSlot};`);
    expect(files.nginxConf).toContain(`${activeSlot} web-staging-${activeSlot}:3000;`);
  });

  it.each([0, 5, 25, 100])("canary with weight %i", (weight) => {
    // GIVEN the proxy of a canary deployment at a weight the workflow may set
    const files = publishedProxyFiles(canary.json, { web_canary_weight: weight });
    // WHEN nginx checks it
    const result = nginxTest(files.nginxConf, files.routingConf);
    // THEN it is valid, and the canary gets exactly that share (none at 0: nginx rejects a 0% entry)
    expect(result).toEqual({ ok: true, output: expect.stringContaining("test is successful") });
    if (weight === 0) expect(files.routingConf).not.toMatch(/%\s+canary;/);
    else expect(files.routingConf).toContain(`    ${weight}% canary;\n    * stable;`);
  });

  it("rolling, balancing over the replicas' shared network name", () => {
    // GIVEN the proxy of three rolling replicas
    const files = publishedProxyFiles(rolling.json, {});
    // WHEN nginx checks it / THEN it is valid and routes to the service name every replica carries
    expect(nginxTest(files.nginxConf, files.routingConf).ok).toBe(true);
    expect(files.nginxConf).toContain("replicas web-staging:3000;");
    expect(files.routingConf).toContain("default replicas;");
  });

  it("fails when the routing is broken (the check can fail)", () => {
    // GIVEN the canary config with the 0% entry nginx refuses
    const files = publishedProxyFiles(canary.json, { web_canary_weight: 5 });
    // WHEN the weight line is forced to 0% / THEN nginx -t rejects it
    const result = nginxTest(files.nginxConf, files.routingConf.replace("5% canary;", "0% canary;"));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('invalid percent value "0%"');
  });
});

describe("renderNginxConfig", () => {
  const config = {
    applicationName: "web",
    environmentName: "production",
    listenPort: 8080,
    upstreams: [
      { slot: "stable", host: "web-production-stable", port: 3000 },
      { slot: "canary", host: "web-production-canary", port: 3000 },
    ],
  };

  it("resolves upstreams per request through Docker's DNS, so replaced containers are found", () => {
    // WHEN the main config is rendered
    const text = renderNginxConfig(config);
    // THEN names are resolved at request time (a variable in proxy_pass) by Docker's embedded DNS
    expect(text).toContain("resolver 127.0.0.11 valid=5s ipv6=off;");
    expect(text).toContain("proxy_pass http://$wtfb_upstream;");
    expect(text).toContain("        stable web-production-stable:3000;\n        canary web-production-canary:3000;");
    expect(text).toContain(`include ${ROUTING_INCLUDE};`);
    expect(text).toContain("listen 8080;");
  });

  it("contains nothing Terraform would read as template syntax", () => {
    // The text is a Terraform string: ${ or %{ in it would be interpolated at apply time.
    expect(renderNginxConfig(config)).not.toMatch(/[$%]\{/);
  });

  it("fails when an upstream is not a DNS name", () => {
    expect(() => renderNginxConfig({ ...config, upstreams: [{ slot: "stable", host: "web_production;", port: 3000 }] })).toThrow(/is not a slot name, DNS name and port/);
  });
});

describe("renderRoutingConfig", () => {
  it("sends every request to the selected slot", () => {
    expect(renderRoutingConfig({ kind: "select", slot: "green" })).toBe("# Every request goes to one slot.\nmap $request_id $wtfb_slot {\n    default green;\n}\n");
  });

  it("splits requests by weight, and leaves the canary line out at weight 0", () => {
    const split = (canaryWeightPercent: number) => renderRoutingConfig({ kind: "split", canaryWeightPercent, stableSlot: "stable", canarySlot: "canary" });
    expect(split(25)).toContain('split_clients "$request_id" $wtfb_slot {\n    25% canary;\n    * stable;\n}');
    expect(split(0)).toContain("    # canary weight 0: no request goes to canary\n    * stable;");
  });

  it("fails when a canary weight is outside 0–100", () => {
    expect(() => renderRoutingConfig({ kind: "split", canaryWeightPercent: 101, stableSlot: "stable", canarySlot: "canary" })).toThrow("canary weight 101 is not a whole percentage from 0 to 100");
  });
});
