import * as fs from "fs";
import * as path from "path";
import { App, TerraformLocal, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { installSinglePassSynth, synthesizeSinglePass, uninstallSinglePassSynth } from "../../stacks/private/single-pass-synth";
import { readTree, temporaryDirectory } from "../helpers";
import { equivalenceConfigs, expectSameFiles, synthesizedFiles } from "./support";

afterEach(() => uninstallSinglePassSynth());

/** Two stacks; with `crossStack`, the second uses a value of the first (cdktf adds an output and remote state). */
function twoStacks(outdir: string, crossStack: boolean): { app: App } {
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir, stackTraces: false });
  const network = new TerraformStack(app, "network");
  const name = new TerraformVariable(network, "name", { type: "string", default: "edge" });
  const subnet = new TerraformLocal(network, "subnet", `${name.stringValue}-subnet`);
  const service = new TerraformStack(app, "service");
  const own = new TerraformVariable(service, "port", { type: "number", default: 8080 });
  new TerraformOutput(service, "endpoint", { value: crossStack ? `${subnet.asString}:${own.numberValue}` : `local:${own.numberValue}` });
  return { app };
}

/** Synthesizes with cdktf's own two passes, then with `synthesizeSinglePass` installed; returns both trees and how often it built. */
function bothWays(crossStack: boolean) {
  const root = temporaryDirectory("single-pass");
  const plainDir = path.join(root, "plain");
  twoStacks(plainDir, crossStack).app.synth();
  expect(installSinglePassSynth()).toBe(true);
  const singleDir = path.join(root, "single");
  let builds = 0;
  synthesizeSinglePass(() => {
    builds++;
    return twoStacks(singleDir, crossStack);
  });
  return { plain: readTree(plainDir), single: readTree(singleDir), builds };
}

describe("synth without cdktf's preparing pass", () => {
  test("stacks that do not reference each other: one build, the same files", () => {
    const { plain, single, builds } = bothWays(false);
    expect(builds).toBe(1);
    expect(Object.keys(single).length).toBeGreaterThanOrEqual(3);
    expect(single).toEqual(plain);
  });

  test("a stack that uses another's value: it starts over with the pass, and cdktf's output and remote state appear as they should", () => {
    const { plain, single, builds } = bothWays(true);
    expect(builds).toBe(2);
    expect(single).toEqual(plain);
    const service = JSON.parse(plain[path.join("stacks", "service", "cdk.tf.json")]);
    expect(service.data.terraform_remote_state).toBeDefined();
    const network = JSON.parse(plain[path.join("stacks", "network", "cdk.tf.json")]);
    expect(Object.keys(network.output).some((id) => id.startsWith("cross-stack-output-"))).toBe(true);
  });

  test("not installed, it is cdktf's synth", () => {
    uninstallSinglePassSynth();
    const outdir = path.join(temporaryDirectory("single-pass-off"), "out");
    let builds = 0;
    synthesizeSinglePass(() => {
      builds++;
      return twoStacks(outdir, true);
    });
    expect(builds).toBe(1);
    expect(JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "service", "cdk.tf.json"), "utf8")).data.terraform_remote_state).toBeDefined();
  });

  test("the whole pipeline synthesizes to the same files, byte for byte, for the shipped config and for five applications", () => {
    for (const config of equivalenceConfigs()) {
      uninstallSinglePassSynth();
      const twoPasses = synthesizedFiles(config, "single-pass-pipeline");
      expect(installSinglePassSynth()).toBe(true);
      expectSameFiles(synthesizedFiles(config, "single-pass-pipeline"), twoPasses);
    }
  });
});
