/**
 * `terraform plan` of each environment's Docker resources with the real Docker provider (4.6.0), against the local
 * engine and the local registry. The config is the shipped one with a second application, its images in the local
 * registry (built here from a static busybox and pushed with version tags), and every environment's Docker host
 * pointed at the local engine through the WTFB_<ENV>_DOCKER_HOST overrides. The plan reads each application
 * version's digest from the registry (`data.docker_registry_image`), as a deploy would.
 *
 * What the test changes in the synthesized stacks, and why: it keeps only their docker blocks (and terraform_data,
 * variables and moves): the GitHub blocks would call GitHub's API and Grafana's provider cannot be built here. The
 * provider's `registry_auth` address gets an `http://` prefix: the local registry speaks plain HTTP, and the provider
 * calls a registry address without a scheme over HTTPS (real registries are HTTPS, so the stacks are right to
 * write none).
 */
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../../config/load";
import { plannedInstances } from "../../review/instances";
import { synthesizePipeline } from "../../stacks/synthesize";
import { readTree, shippedConfigJson, temporaryDirectory } from "../helpers";
import { DOCKER_SOCKET, LOCAL_REGISTRY, dockerMissing, pushBusyboxImage, type LocalImage } from "../support/docker";
import { describeWithRealProviders, onlyProviders, planStack, type StackJson } from "../support/terraform";

const NEW_VERSION = "1.4.2-3f9a2c1";
const PREVIOUS_VERSION = "1.4.1-0a1b2c3";
const APPLICATIONS = ["web", "api"] as const;
const ENVIRONMENTS = ["development", "staging", "production"] as const;

/** The shipped config with a second application, both images in the local registry; the Docker hosts from the environment. */
function localConfig() {
  const directory = temporaryDirectory("plan-config");
  const raw = shippedConfigJson();
  const web = raw.applications[0];
  const { database: _database, ...withoutDatabase } = web;
  raw.applications = [
    { ...web, image: `${LOCAL_REGISTRY}/wtfb-plan/web` },
    { ...withoutDatabase, name: "api", image: `${LOCAL_REGISTRY}/wtfb-plan/api`, hostPort: 8081, cpus: 0.5 },
  ];
  fs.writeFileSync(path.join(directory, "pipeline.config.json"), JSON.stringify(raw));
  const env = Object.fromEntries(ENVIRONMENTS.map((name) => [`WTFB_${name.toUpperCase()}_DOCKER_HOST`, DOCKER_SOCKET]));
  return loadConfig({ cwd: directory, env, loadDotEnv: false }).config;
}

/** A value for every variable without a default: the new version in the slot being deployed, the previous in the other. */
function variableValues(stack: StackJson): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(stack.variable ?? {}) as Array<
    [string, { default?: unknown; type?: string }]
  >) {
    if ("default" in variable) continue;
    if (name.endsWith("_version"))
      values[name] = /_(green|stable)_version$/.test(name) ? PREVIOUS_VERSION : NEW_VERSION;
    else if (name.endsWith("_active_slot")) values[name] = "green";
    else if (name.endsWith("_canary_weight")) values[name] = 25;
    else values[name] = `test-${name}`;
  }
  return values;
}

/** The stack as the test plans it (see the file's comment). */
function dockerPart(stack: StackJson): StackJson {
  const copy = onlyProviders(stack, ["docker"]);
  for (const configuration of copy.provider.docker) {
    for (const auth of configuration.registry_auth ?? [])
      if (auth.address === LOCAL_REGISTRY) auth.address = `http://${LOCAL_REGISTRY}`;
  }
  return copy;
}

interface PlannedResource {
  readonly address: string;
  readonly mode: string;
  readonly values: Record<string, any>;
}

const missing = dockerMissing();

describeWithRealProviders(missing)(
  "terraform plan of every environment's Docker resources, on the local engine and registry",
  () => {
    const images = new Map<string, LocalImage>();
    const plans = new Map<string, { stack: StackJson; plan: any }>();

    beforeAll(() => {
      for (const application of APPLICATIONS)
        for (const version of [NEW_VERSION, PREVIOUS_VERSION])
          images.set(`${application}:${version}`, pushBusyboxImage(`wtfb-plan/${application}`, version));
      const outdir = path.join(temporaryDirectory("plan"), "cdktf.out");
      synthesizePipeline({ config: localConfig(), outdir });
      const files = readTree(outdir);
      for (const environment of ENVIRONMENTS) {
        const stack = JSON.parse(files[path.join("stacks", environment, "cdk.tf.json")]);
        const { plan } = planStack(dockerPart(stack), {
          variables: variableValues(stack),
          prefix: `plan-${environment}`,
        });
        plans.set(environment, { stack, plan });
      }
    }, 600_000);

    test.each(ENVIRONMENTS)(
      "%s: the plan creates every instance the review expands, on the local engine",
      (environment) => {
        const { stack, plan } = plans.get(environment)!;
        // The override put the environment's Docker host on the local engine.
        expect(stack.provider.docker.map((configuration: { host: string }) => configuration.host)).toEqual([
          DOCKER_SOCKET,
        ]);

        const changes: Array<{ address: string; mode: string; change: { actions: string[] } }> =
          plan.resource_changes.filter((change: { mode: string }) => change.mode === "managed");
        const expected = Object.entries(stack.resource as Record<string, Record<string, unknown>>)
          .filter(([type]) => type.startsWith("docker_") || type === "terraform_data")
          .flatMap(([type, blocks]) =>
            Object.entries(blocks).flatMap(([name, body]) =>
              plannedInstances(`${type}.${name}`, body).map((instance) => instance.address),
            ),
          );
        expect(changes.map((change) => change.address).sort()).toEqual(expected.sort());
        expect(new Set(changes.map((change) => change.change.actions.join(",")))).toEqual(new Set(["create"]));
        // Both applications have resources of their own, named after them (docker_container.web_stable).
        for (const application of APPLICATIONS)
          expect(changes.filter((change) => change.address.includes(`.${application}_`)).length).toBeGreaterThanOrEqual(
            3,
          );

        console.log(
          `terraform plan of ${environment}: ${changes.length} instances to create on ${DOCKER_SOCKET}:\n  ${changes.map((change) => change.address).join("\n  ")}`,
        );
      },
    );

    test.each(ENVIRONMENTS)(
      "%s: each application version's digest comes from the registry, and its image is pinned to it",
      (environment) => {
        const { plan } = plans.get(environment)!;
        const read: PlannedResource[] = (plan.prior_state?.values?.root_module?.resources ?? []).filter(
          (resource: PlannedResource) => resource.mode === "data",
        );
        const planned: PlannedResource[] = plan.planned_values.root_module.resources;
        expect(read.length).toBeGreaterThanOrEqual(APPLICATIONS.length);
        for (const lookup of read) {
          // data.docker_registry_image.<application>_<slot> reads 127.0.0.1:5000/wtfb-plan/<application>:<version>
          const [, application, version] = /\/wtfb-plan\/([a-z]+):(.+)$/.exec(lookup.values.name)!;
          const pushed = images.get(`${application}:${version}`)!;
          expect({ address: lookup.address, digest: lookup.values.sha256_digest }).toEqual({
            address: lookup.address,
            digest: pushed.digest,
          });
          const image = planned.find(
            (resource) =>
              resource.address === lookup.address.replace(/^data\.docker_registry_image\./, "docker_image."),
          )!;
          expect(image.values.name).toBe(`${LOCAL_REGISTRY}/wtfb-plan/${application}@${pushed.digest}`);
        }
        const versions = new Set(read.map((lookup) => lookup.values.name.split(":").pop()));
        expect(versions).toEqual(
          environment === "development" ? new Set([NEW_VERSION]) : new Set([NEW_VERSION, PREVIOUS_VERSION]),
        );
      },
    );

    test('the containers\' CPU and memory limits are planned as Docker reads them back (a whole CPU as "1.0")', () => {
      const { plan } = plans.get("production")!;
      const containers: PlannedResource[] = plan.planned_values.root_module.resources.filter(
        (resource: PlannedResource) => /^docker_container\.[a-z]+_(canary|stable)$/.test(resource.address),
      );
      expect(
        containers.map((container) => [container.address, container.values.cpus, container.values.memory]).sort(),
      ).toEqual([
        ["docker_container.api_canary", "0.5", 768],
        ["docker_container.api_stable", "0.5", 768],
        ["docker_container.web_canary", "1.0", 768],
        ["docker_container.web_stable", "1.0", 768],
      ]);
    });
  },
);
