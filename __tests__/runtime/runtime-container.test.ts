import { Testing, TerraformStack } from "cdktf";
import { Container, type ContainerConfig } from "@cdktf/provider-docker/lib/container";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { RuntimeContainer } from "../../constructs/runtime/private/runtime-container";

type Json = { resource: { docker_container: Record<string, Record<string, unknown>> } };

/** RuntimeContainer leaves unset arguments out before cdktf sees them; what it writes must not change. */
describe("RuntimeContainer", () => {
  it("writes the JSON the provider's Container writes, overrides included", () => {
    const stack = new TerraformStack(Testing.app(), "one");
    const provider = new DockerProvider(stack, "docker", {});
    const config = (name: string): ContainerConfig => ({
      provider,
      name,
      image: "${docker_image.web.image_id}",
      env: ["A=1", "B=${var.secret}"],
      labels: [{ label: "wtfb.role", value: "app" }],
      healthcheck: { test: ["CMD", "true"], interval: "10s", retries: 3 },
      mounts: [{ type: "volume", source: "data", target: "/data" }],
      networksAdvanced: [{ name: "net" }],
      logDriver: "json-file",
      logOpts: { "max-size": "10m" },
      memory: 512,
      cpus: "0.5",
      wait: true,
      restart: "unless-stopped",
      lifecycle: {
        createBeforeDestroy: true,
        postcondition: [{ condition: "${self.exit_code == 0}", errorMessage: "failed" }],
      },
    });
    const containers = [
      new Container(stack, "plain", config("c")),
      new RuntimeContainer(stack, "runtime", config("c")),
    ];
    for (const container of containers) container.addOverride("stop_signal", "SIGTERM");
    const json = JSON.parse(Testing.synth(stack)) as Json;
    const [plain, runtime] = containers.map((container) => json.resource.docker_container[container.friendlyUniqueId]);
    expect(runtime).toEqual(plain);
    expect(runtime.stop_signal).toBe("SIGTERM");
    expect(runtime.mounts).toEqual([{ source: "data", target: "/data", type: "volume" }]);
    expect(Object.keys(runtime)).not.toContain("ports");
  });
});
