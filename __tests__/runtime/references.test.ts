import {
  App,
  DefaultTokenResolver,
  StringConcat,
  Testing,
  TerraformIterator,
  TerraformStack,
  Token,
  Tokenization,
} from "cdktf";
import { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { attributeOf, dependenciesOf, plainReference } from "../../constructs/runtime/private/references";

/** The runtime writes same-stack references as plain `${…}` text; they must read exactly as cdktf's tokens resolve. */
/** A value as cdktf writes it into the stack's JSON. */
function resolved(stack: TerraformStack, value: string): unknown {
  return Tokenization.resolve(value, {
    scope: stack,
    preparing: false,
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
}

describe("runtime references", () => {
  function stackWithVolume(app: App, id: string): { stack: TerraformStack; volume: Volume } {
    const stack = new TerraformStack(app, id);
    const provider = new DockerProvider(stack, "docker", {});
    const volume = new Volume(new Construct(stack, "nested"), "volume", { provider, name: "data" });
    return { stack, volume };
  }

  it("are the text the attribute's token resolves to, for generated and overridden Terraform names", () => {
    const app = Testing.app();
    const { stack, volume } = stackWithVolume(app, "one");
    const renamed = new Volume(stack, "renamed", { name: "other" });
    renamed.overrideLogicalId("web_routing");
    for (const resource of [volume, renamed]) {
      const plain = attributeOf(stack, resource, "name");
      expect(plain).toBe(`\${docker_volume.${resource.friendlyUniqueId}.name}`);
      expect(resolved(stack, resource.name)).toBe(plain);
    }
    expect(plainReference(stack, renamed, "name")).toBe("docker_volume.web_routing.name");
  });

  it("stay tokens for a resource of another stack, so cdktf wires the cross-stack reference", () => {
    const app = Testing.app();
    const { volume } = stackWithVolume(app, "one");
    const other = new TerraformStack(app, "two");
    new DockerProvider(other, "docker", {});
    expect(plainReference(other, volume, "name")).toBeUndefined();
    const name = attributeOf(other, volume, "name");
    expect(Token.isUnresolved(name)).toBe(true);
  });

  it("stay tokens for a resource with for_each", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "one");
    const volumes = new Volume(stack, "volumes", { forEach: TerraformIterator.fromList(["a", "b"]), name: "v" });
    expect(plainReference(stack, volumes, "name")).toBeUndefined();
    expect(resolved(stack, attributeOf(stack, volumes, "name"))).toBe("${docker_volume.volumes.*.name}");
  });
});

describe("runtime dependencies", () => {
  it("name a same-stack resource as cdktf writes its depends_on entry, and leave other dependables as given", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "one");
    const provider = new DockerProvider(stack, "docker", {});
    const first = new Volume(stack, "first", { provider, name: "a" });
    first.overrideLogicalId("web_backups");
    const second = new Volume(stack, "second", { provider, name: "b" });
    const other = new TerraformStack(app, "two");
    const remote = new Volume(other, "remote", { provider: new DockerProvider(other, "docker", {}), name: "c" });
    const given = { fqn: "docker_volume.given" };
    const [firstEntry, secondEntry, remoteEntry, givenEntry] = dependenciesOf(stack, [first, second, remote, given]);
    expect(firstEntry).toEqual({ fqn: "docker_volume.web_backups" });
    expect(secondEntry.fqn).toBe(`docker_volume.${second.friendlyUniqueId}`);
    expect(remoteEntry).toBe(remote);
    expect(givenEntry).toBe(given);
    const user = new Volume(stack, "user", { provider, name: "d", dependsOn: [first, second] });
    const plain = new Volume(stack, "plain", {
      provider,
      name: "d",
      dependsOn: dependenciesOf(stack, [first, second]),
    });
    const json = JSON.parse(Testing.synth(stack)) as {
      resource: { docker_volume: Record<string, { depends_on: string[] }> };
    };
    expect(json.resource.docker_volume[plain.friendlyUniqueId].depends_on).toEqual(
      json.resource.docker_volume[user.friendlyUniqueId].depends_on,
    );
    expect(json.resource.docker_volume[plain.friendlyUniqueId].depends_on).toEqual([
      "docker_volume.web_backups",
      `docker_volume.${second.friendlyUniqueId}`,
    ]);
  });
});
