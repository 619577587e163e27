/**
 * The Docker provider the stacks pin (kreuzwerker/docker 4.6.0) creates a container with `cpus` set, as the
 * @cdktf/provider-docker 12.0.3 bindings write it (a string). Docker 3.6.2, the version the bindings were generated
 * for, converted that string with `v.(float32)` in its create function and panicked ("Plugin did not respond"):
 * provider issue #759, fixed by #771 in 3.7.0; 4.6.0 parses it with Docker's own `opts.ParseCPUs`. This applies one
 * such container against the local engine and reads its CPU limit back from Docker.
 */
import { App, TerraformStack, Testing } from "cdktf";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { pinProviderVersions } from "../../stacks/provider-versions";
import { temporaryDirectory } from "../helpers";
import { DOCKER_SOCKET, docker, dockerMissing, pushBusyboxImage } from "../support/docker";
import { describeWithRealProviders, initStack, runTerraform, terraformOrThrow } from "../support/terraform";

const missing = dockerMissing();

describeWithRealProviders(missing)("a container with cpus, applied by the real Docker provider", () => {
  const containerName = `wtfb-cpus-${process.pid}`;
  let directory: string | undefined;

  afterAll(() => {
    // Always leave the engine as found, whatever the test did.
    if (directory !== undefined) runTerraform(directory, ["destroy", "-auto-approve", "-input=false", "-no-color", "-lock=false"]);
    if (missing === undefined) spawnQuietly(["rm", "-f", containerName]);
  }, 120_000);

  test("terraform apply creates it with the CPU limit set (the 3.6.2 provider crashed here)", () => {
    // GIVEN a stack as the bindings write it: the provider on the local engine, an image from the local registry,
    // a container limited to 1.5 CPUs and, as the runtime's application containers, to its memory without swap (without
    // memory_swap, Docker's default of twice the memory shows as a change in every later plan)
    const image = pushBusyboxImage("wtfb-test/cpus", "1.0.0");
    const stack = new TerraformStack(new App({ outdir: temporaryDirectory("cpus-app") }), "cpus");
    pinProviderVersions(stack);
    const provider = new DockerProvider(stack, "docker", { host: DOCKER_SOCKET });
    const pulled = new Image(stack, "image", { provider, name: image.reference, keepLocally: true });
    new Container(stack, "container", { provider, name: containerName, image: pulled.imageId, cpus: "1.5", memory: 64, memorySwap: 64, command: ["sleep", "600"], mustRun: true });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.docker_container.container.cpus).toBe("1.5");
    expect(json.terraform.required_providers.docker.version).toBe("4.6.0");

    // WHEN it is applied
    directory = initStack(json, { prefix: "cpus" });
    terraformOrThrow(directory, ["apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"]);

    // THEN Docker runs the container with 1.5 CPUs (in nano-CPUs), and Terraform reads the same value back
    const inspected = JSON.parse(docker("inspect", containerName))[0];
    expect(inspected.State.Running).toBe(true);
    expect(inspected.HostConfig.NanoCpus).toBe(1_500_000_000);
    expect(inspected.HostConfig.Memory).toBe(64 * 1024 * 1024);
    const state = JSON.parse(terraformOrThrow(directory, ["show", "-json"]));
    const container = state.values.root_module.resources.find((resource: { address: string }) => resource.address === "docker_container.container");
    expect(container.values.cpus).toBe("1.5");
    // and a second plan has nothing to change
    const plan = runTerraform(directory, ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"]);
    expect({ status: plan.status, output: plan.status === 0 ? "" : plan.stdout + plan.stderr }).toEqual({ status: 0, output: "" });
  }, 300_000);
});

function spawnQuietly(args: string[]): void {
  try {
    docker(...args);
  } catch {
    // already gone
  }
}
