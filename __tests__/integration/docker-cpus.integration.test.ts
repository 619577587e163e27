/**
 * The Docker provider the stacks pin (kreuzwerker/docker 4.6.0) creates a container with `cpus` set, as the
 * @cdktf/provider-docker 12.0.3 bindings write it (a string). Docker 3.6.2, the version the bindings were generated
 * for, converted that string with `v.(float32)` in its create function and panicked ("Plugin did not respond"):
 * provider issue #759, fixed by #771 in 3.7.0; 4.6.0 parses it with Docker's own `opts.ParseCPUs`. This applies one
 * such container against the local engine and reads its CPU limit back from Docker.
 *
 * The limits are the ones the runtime writes for `cpus: 1` and `cpus: 1.5`: the provider reads a whole number of
 * CPUs back as "1.0", so a container written with "1" was replaced by every plan after its first apply.
 */
import { App, TerraformStack, Testing } from "cdktf";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import {
  DeploymentEnvironment,
  DeploymentStrategy,
  DockerHost,
  EnvironmentSecrets,
  ServiceDeployment,
} from "../../index";
import { pinProviderVersions } from "../../stacks/provider-versions";
import { temporaryDirectory } from "../helpers";
import { DOCKER_SOCKET, docker, dockerMissing, pushBusyboxImage } from "../support/docker";
import { describeWithRealProviders, initStack, runTerraform, terraformOrThrow } from "../support/terraform";

const missing = dockerMissing();

/** The `cpus` value the runtime writes for an application's containers with this CPU limit. */
function runtimeCpus(cpus: number): string {
  const stack = new TerraformStack(new App({ outdir: temporaryDirectory("cpus-runtime") }), "runtime");
  new GithubProvider(stack, "github", { owner: "someone" });
  const environment = new DeploymentEnvironment(stack, "environment", {
    repository: "shop",
    environmentName: "development",
  });
  const secrets = new EnvironmentSecrets(stack, "secrets", { environment, secrets: [] });
  const host = new DockerHost(stack, "host", { environmentName: "development" });
  new ServiceDeployment(stack, "shop", {
    applicationName: "shop",
    image: "ghcr.io/someone/shop",
    strategy: DeploymentStrategy.rolling(),
    healthCheck: { command: ["true"] },
    hostPort: 9000,
    cpus,
    host,
    secrets,
  });
  const containers = Object.values(JSON.parse(Testing.synth(stack)).resource.docker_container) as Array<{
    cpus?: string;
  }>;
  const written = new Set(containers.map((container) => container.cpus).filter((value) => value !== undefined));
  expect(written.size).toBe(1);
  return [...written][0]!;
}

describeWithRealProviders(missing)("a container with cpus, applied by the real Docker provider", () => {
  const containerName = `wtfb-cpus-${process.pid}`;
  let directory: string | undefined;

  afterAll(() => {
    // Always leave the engine as found, whatever the test did.
    if (directory !== undefined)
      runTerraform(directory, ["destroy", "-auto-approve", "-input=false", "-no-color", "-lock=false"]);
    if (missing === undefined)
      for (const key of ["whole", "fraction"]) spawnQuietly(["rm", "-f", `${containerName}-${key}`]);
  }, 120_000);

  test("terraform apply creates them with the CPU limits set, and a second plan keeps them (the 3.6.2 provider crashed here)", () => {
    // GIVEN a stack as the bindings write it: the provider on the local engine, an image from the local registry,
    // two containers limited to the CPUs the runtime writes for 1 and 1.5 CPUs, and, as the runtime's application
    // containers, to their memory without swap (without memory_swap, Docker's default of twice the memory shows as a
    // change in every later plan)
    const limits = { whole: runtimeCpus(1), fraction: runtimeCpus(1.5) };
    expect(limits).toEqual({ whole: "1.0", fraction: "1.5" });
    const image = pushBusyboxImage("wtfb-test/cpus", "1.0.0");
    const stack = new TerraformStack(new App({ outdir: temporaryDirectory("cpus-app") }), "cpus");
    pinProviderVersions(stack);
    const provider = new DockerProvider(stack, "docker", { host: DOCKER_SOCKET });
    const pulled = new Image(stack, "image", { provider, name: image.reference, keepLocally: true });
    for (const [key, cpus] of Object.entries(limits)) {
      new Container(stack, key, {
        provider,
        name: `${containerName}-${key}`,
        image: pulled.imageId,
        cpus,
        memory: 64,
        memorySwap: 64,
        command: ["sleep", "600"],
        mustRun: true,
      });
    }
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.docker_container.fraction.cpus).toBe("1.5");
    expect(json.terraform.required_providers.docker.version).toBe("4.6.0");

    // WHEN it is applied
    directory = initStack(json, { prefix: "cpus" });
    terraformOrThrow(directory, ["apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"]);

    // THEN Docker runs the containers with 1 and 1.5 CPUs (in nano-CPUs)
    const inspected = (key: string) => JSON.parse(docker("inspect", `${containerName}-${key}`))[0];
    expect([inspected("whole").State.Running, inspected("whole").HostConfig.NanoCpus]).toEqual([true, 1_000_000_000]);
    expect([
      inspected("fraction").State.Running,
      inspected("fraction").HostConfig.NanoCpus,
      inspected("fraction").HostConfig.Memory,
    ]).toEqual([true, 1_500_000_000, 64 * 1024 * 1024]);
    // and a second plan has nothing to change: Terraform reads back the values it wrote
    const plan = runTerraform(directory, ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"]);
    expect({ status: plan.status, output: plan.status === 0 ? "" : plan.stdout + plan.stderr }).toEqual({
      status: 0,
      output: "",
    });
  }, 300_000);
});

function spawnQuietly(args: string[]): void {
  try {
    docker(...args);
  } catch {
    // already gone
  }
}
