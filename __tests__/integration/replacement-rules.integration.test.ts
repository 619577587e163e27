/**
 * The plan review says which changes replace a container (review/replacement-rules.ts, read from the provider's
 * source). Here the real Docker provider (4.6.0) says it: a container with the attributes the runtime sets is applied
 * on the local engine, then each change is planned, and Terraform's action (replace or update) must be the review's.
 */
import * as fs from "fs";
import * as path from "path";
import { replacementVerdict } from "../../review/replacement-rules";
import { DOCKER_SOCKET, docker, dockerMissing, pushBusyboxImage } from "../support/docker";
import {
  REAL_PROVIDERS,
  describeWithRealProviders,
  initStack,
  runTerraform,
  terraformOrThrow,
} from "../support/terraform";

type Body = Record<string, unknown>;

/** Changes of the attributes the runtime's containers set (healthcheck, limits, restart, labels, uploads, …). */
const EDITS: ReadonlyArray<readonly [string, Body]> = [
  [
    "the health check's retries",
    { healthcheck: [{ test: ["CMD", "true"], interval: "10s", timeout: "5s", retries: 5, start_period: "5s" }] },
  ],
  ["the CPU limit", { cpus: "0.5" }],
  ["the memory limit, without swap", { memory: 96, memory_swap: 96 }],
  ["the restart policy", { restart: "always" }],
  ["the grace period on destroy", { destroy_grace_seconds: 20 }],
  ["the stop timeout", { stop_timeout: 20 }],
  ["an environment variable", { env: ["MODE=two"] }],
  ["a label", { labels: [{ label: "wtfb.version", value: "2" }] }],
  ["a log option", { log_opts: { "max-size": "20m" } }],
  ["an uploaded file", { upload: [{ file: "/tmp/settings.conf", content: "two" }] }],
  ["the command", { command: ["sleep", "700"] }],
];

const missing = dockerMissing();

describeWithRealProviders(missing)("the review's replacement rules against the real Docker provider", () => {
  const name = `wtfb-replace-${process.pid}`;
  let directory: string | undefined;
  let base: Body;

  const stackWith = (container: Body, image: string) => ({
    terraform: { required_providers: { docker: REAL_PROVIDERS.docker } },
    provider: { docker: [{ host: DOCKER_SOCKET }] },
    resource: {
      docker_image: { image: { name: image, keep_locally: true } },
      docker_container: { container },
    },
  });

  beforeAll(() => {
    const image = pushBusyboxImage("wtfb-test/replace", "1.0.0");
    base = {
      name,
      image: "${docker_image.image.image_id}",
      command: ["sleep", "600"],
      cpus: "1.0",
      memory: 64,
      memory_swap: 64,
      restart: "unless-stopped",
      stop_timeout: 10,
      destroy_grace_seconds: 10,
      env: ["MODE=one"],
      labels: [{ label: "wtfb.version", value: "1" }],
      log_driver: "json-file",
      log_opts: { "max-size": "10m" },
      healthcheck: [{ test: ["CMD", "true"], interval: "10s", timeout: "5s", retries: 3, start_period: "5s" }],
      upload: [{ file: "/tmp/settings.conf", content: "one" }],
      must_run: true,
    };
    directory = initStack(stackWith(base, image.reference), { prefix: "replace" });
    terraformOrThrow(directory, ["apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"]);
  }, 300_000);

  afterAll(() => {
    if (directory !== undefined)
      runTerraform(directory, ["destroy", "-auto-approve", "-input=false", "-no-color", "-lock=false"]);
    try {
      docker("rm", "-f", name);
    } catch {
      // already gone
    }
  }, 120_000);

  /** Terraform's action for the container after an edit of the applied configuration: "replace", "update" or "none". */
  const plannedAction = (edit: Body): string => {
    const config = JSON.parse(fs.readFileSync(path.join(directory!, "main.tf.json"), "utf8"));
    const edited = {
      ...config,
      resource: { ...config.resource, docker_container: { container: { ...base, ...edit } } },
    };
    fs.writeFileSync(path.join(directory!, "main.tf.json"), JSON.stringify(edited));
    try {
      terraformOrThrow(directory!, ["plan", "-input=false", "-no-color", "-lock=false", "-out=edit.plan"]);
      const plan = JSON.parse(terraformOrThrow(directory!, ["show", "-json", "edit.plan"]));
      const actions: string[] = plan.resource_changes.find(
        (change: { address: string }) => change.address === "docker_container.container",
      ).change.actions;
      return actions.includes("delete") && actions.includes("create")
        ? "replace"
        : actions[0] === "no-op"
          ? "none"
          : actions.join(",");
    } finally {
      fs.writeFileSync(path.join(directory!, "main.tf.json"), JSON.stringify(config));
    }
  };

  test("the applied container plans no change", () => {
    expect(plannedAction({})).toBe("none");
  }, 120_000);

  test.each(EDITS)(
    "changing %s: Terraform and the review agree",
    (_what, edit) => {
      const verdicts = Object.entries(edit).map(([attribute, after]) =>
        replacementVerdict("docker_container", attribute, base[attribute], after),
      );
      const reviewed = verdicts.includes("replaces")
        ? "replace"
        : verdicts.every((verdict) => verdict === "in-place")
          ? "update"
          : "may replace";
      expect({ edit, action: plannedAction(edit) }).toEqual({ edit, action: reviewed });
    },
    120_000,
  );
});
