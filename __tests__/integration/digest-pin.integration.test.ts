/**
 * A release whose version carries the digest CI's build recorded (`<tag>@sha256:…`) runs that image, even after the
 * tag was pushed again: applied with the real Docker provider (4.6.0) against the local engine and registry. The
 * image is pulled by digest (the local copies are removed first), and the container runs it. A version without a
 * digest is planned with the digest its tag has now, as before.
 *
 * What the test changes in the synthesized stack: the provider's `registry_auth` address gets an `http://` prefix,
 * since the local registry speaks plain HTTP (see docker-plan.integration.test.ts).
 */
import { spawnSync } from "child_process";
import { App, TerraformStack, Testing } from "cdktf";
import { DeploymentStrategy } from "../../constructs/runtime/deployment-strategy";
import { DockerHost } from "../../constructs/runtime/docker-host";
import { ReleaseInputs } from "../../constructs/runtime/release-inputs";
import { ServiceRelease } from "../../constructs/runtime/service-release";
import { pinProviderVersions } from "../../stacks/provider-versions";
import { temporaryDirectory } from "../helpers";
import { DOCKER_SOCKET, LOCAL_REGISTRY, docker, dockerMissing, pushBusyboxImage } from "../support/docker";
import {
  describeWithRealProviders,
  initStack,
  runTerraform,
  terraformOrThrow,
  type StackJson,
} from "../support/terraform";

const missing = dockerMissing();
const environmentName = `digest-${process.pid}`;
const repository = `${LOCAL_REGISTRY}/wtfb-test/digest-pin`;
const TAG = "1.0.0-abc1234";

/** Builds a variant of the busybox image (a label makes its digest its own), pushes it as repository:TAG, returns its digest. */
function pushVariant(base: string, variant: string): string {
  const reference = `${repository}:${TAG}`;
  const built = spawnSync("docker", ["build", "-q", "-t", reference, "-"], {
    input: `FROM ${base}\nLABEL wtfb.test.variant=${variant}\n`,
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`docker build of variant ${variant} failed: ${built.stderr}`);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(docker("push", reference))?.[1];
  if (digest === undefined) throw new Error(`docker push ${reference} printed no digest`);
  return digest;
}

/** The runtime's release of one application on the local engine, as the stacks synthesize it, ready for terraform. */
function releaseStack(): StackJson {
  const stack = new TerraformStack(new App({ outdir: temporaryDirectory("digest-app") }), "digest");
  pinProviderVersions(stack);
  const host = new DockerHost(stack, "host", {
    environmentName,
    host: DOCKER_SOCKET,
    registryAddresses: [LOCAL_REGISTRY],
  });
  const inputs = new ReleaseInputs(stack, "shop", environmentName, DeploymentStrategy.rolling());
  new ServiceRelease(stack, "release", {
    host,
    applicationName: "shop",
    addressStem: "shop",
    imageRepository: repository,
    release: inputs.versions[0],
    container: {
      containerPort: 3000,
      healthCheck: { command: ["true"], intervalSeconds: 1, startPeriodSeconds: 1 },
      memoryMb: 64,
      cpus: 0.5,
      logMaxSizeMb: 1,
      logMaxFiles: 1,
      stopGracePeriodSeconds: 1,
      environment: [],
    },
  });
  const json = JSON.parse(Testing.synth(stack));
  for (const configuration of json.provider.docker)
    for (const auth of configuration.registry_auth ?? [])
      if (auth.address === LOCAL_REGISTRY) auth.address = `http://${LOCAL_REGISTRY}`;
  return json;
}

describeWithRealProviders(missing)("a version with its build's digest, applied with the real Docker provider", () => {
  let directory: string | undefined;

  afterAll(() => {
    // Leave the engine as found, whatever the test did.
    if (directory !== undefined) {
      const destroyed = runTerraform(directory, [
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-lock=false",
        "-var",
        `shop_version=${TAG}`,
      ]);
      if (destroyed.status !== 0)
        throw new Error(
          `terraform destroy failed; containers of ${environmentName} may be left:\n${destroyed.stdout}\n${destroyed.stderr}`,
        );
    }
  }, 120_000);

  test("runs the recorded image after the tag was pushed again, pulled by digest; a bare tag gets the tag's new digest", () => {
    // GIVEN: CI built and pushed TAG (digest `built`); later someone pushed a different image under the same tag
    const base = pushBusyboxImage("wtfb-test/digest-pin-base", "1");
    const built = pushVariant(base.reference, "built");
    const repushed = pushVariant(base.reference, "repushed");
    expect(repushed).not.toBe(built);
    // and the engine holds neither, so the apply has to pull
    for (const reference of [`${repository}:${TAG}`, `${repository}@${built}`, `${repository}@${repushed}`])
      spawnSync("docker", ["rmi", reference]);
    const stack = releaseStack();
    directory = initStack(stack, {
      prefix: "digest",
      variables: { registry_username: "test", registry_password: "test" },
    });

    // WHEN: the version as CI records it now (tag@digest) is applied
    terraformOrThrow(directory, [
      "apply",
      "-auto-approve",
      "-input=false",
      "-no-color",
      "-lock=false",
      "-var",
      `shop_version=${TAG}@${built}`,
    ]);

    // THEN: the container runs the image built, not the one the tag names now, and reports the tag as its version
    const state = JSON.parse(terraformOrThrow(directory, ["show", "-json"]));
    const resources: Array<{ address: string; values: Record<string, any> }> = state.values.root_module.resources;
    const image = resources.find((resource) => resource.address === "docker_image.shop")!;
    expect(image.values.name).toBe(`${repository}@${built}`);
    const container = resources.find((resource) => resource.address === "docker_container.shop_1")!;
    const inspected = JSON.parse(docker("inspect", container.values.name))[0];
    expect(inspected.State.Running).toBe(true);
    expect(JSON.parse(docker("image", "inspect", inspected.Image))[0].Config.Labels["wtfb.test.variant"]).toBe("built");
    expect(inspected.Config.Env).toContain(`WTFB_VERSION=${TAG}`);
    expect(inspected.Config.Labels).toMatchObject({
      "wtfb.version": TAG,
      "wtfb.commit": "abc1234",
      "wtfb.image-digest": built,
    });

    // AND: the tag alone is planned with the digest the tag has now, which replaces the image
    const plan = runTerraform(directory, [
      "plan",
      "-input=false",
      "-no-color",
      "-lock=false",
      "-var",
      `shop_version=${TAG}`,
      "-out=tag.bin",
    ]);
    expect(plan.status).toBe(0);
    const planned = JSON.parse(terraformOrThrow(directory, ["show", "-json", "tag.bin"]));
    const plannedImage = planned.resource_changes.find(
      (change: { address: string }) => change.address === "docker_image.shop",
    );
    expect(plannedImage.change.after.name).toBe(`${repository}@${repushed}`);
    // AND: a version with a malformed digest fails the variable's validation, naming it
    const invalid = runTerraform(directory, [
      "plan",
      "-input=false",
      "-no-color",
      "-lock=false",
      "-var",
      `shop_version=${TAG}@sha256:abc`,
    ]);
    expect(invalid.status).not.toBe(0);
    expect(invalid.stderr).toContain("shop_version must be an image tag");
  }, 300_000);
});
