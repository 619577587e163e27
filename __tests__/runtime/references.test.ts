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
import { attributeOf, plainReference } from "../../constructs/runtime/private/references";

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
