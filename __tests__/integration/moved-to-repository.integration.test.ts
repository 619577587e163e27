/**
 * The upgrade path of issue 22 under real Terraform and the real GitHub provider: an environment stack whose state
 * still holds the GitHub environment, policies, variables and secrets that earlier releases created plans to forget
 * them (`removed`, `destroy = false`), never to delete them; on a state without them the same blocks do nothing.
 * Plans run with `-refresh=false` and no token, so no GitHub API is called.
 */
import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";
import { addPipelineStacks } from "../../stacks/pipeline";
import { shippedConfig } from "../helpers";
import { describeWithRealProviders, initStack, REAL_PROVIDERS, terraformOrThrow } from "../support/terraform";

const GITHUB_PROVIDER = `provider["registry.terraform.io/${REAL_PROVIDERS.github.source}"]`;

/** The production stack's GitHub provider and `removed` blocks only (its data sources would call the API). */
function removedOnly(): { stack: any; addresses: string[] } {
  const app = Testing.app();
  const stacks = addPipelineStacks(app, shippedConfig());
  const production = JSON.parse(Testing.synth(stacks.environments.find((stack) => stack.node.id === "production")!));
  const stack = {
    terraform: { required_providers: { github: production.terraform.required_providers.github } },
    provider: { github: production.provider.github },
    removed: production.removed,
  };
  return { stack, addresses: production.removed.map((block: { from: string }) => block.from) };
}

/** A state (format 4) holding one instance at each address, as an earlier release's apply left it. */
function stateHolding(addresses: readonly string[]): unknown {
  return {
    version: 4,
    terraform_version: "1.11.4",
    serial: 1,
    lineage: "2f0c1c9e-0000-4000-8000-000000000022",
    outputs: {},
    resources: addresses.map((address) => {
      const [type, name] = address.split(".");
      return {
        mode: "managed",
        type,
        name,
        provider: GITHUB_PROVIDER,
        instances: [
          {
            schema_version: 0,
            attributes: { id: `wtfb-app:production:${name}`, repository: "wtfb-app", environment: "production" },
            sensitive_attributes: [],
          },
        ],
      };
    }),
  };
}

function plan(directory: string): any {
  const env = { GITHUB_TOKEN: "", GH_TOKEN: "" };
  terraformOrThrow(
    directory,
    ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=plan.bin"],
    env,
  );
  return JSON.parse(terraformOrThrow(directory, ["show", "-json", "plan.bin"], env));
}

describeWithRealProviders()("upgrading an environment stack whose state holds the moved GitHub resources", () => {
  const { stack, addresses } = removedOnly();

  test("its plan forgets each of them and deletes none", () => {
    expect(addresses).toContain("github_repository_environment.environment_782F3C0C");
    const directory = initStack(stack, { prefix: "moved-forget" });
    fs.writeFileSync(path.join(directory, "terraform.tfstate"), JSON.stringify(stateHolding(addresses)));
    const changes: { address: string; change: { actions: string[] } }[] = plan(directory).resource_changes ?? [];
    expect(changes.map((change) => [change.address, change.change.actions]).sort()).toEqual(
      addresses.map((address) => [address, ["forget"]]).sort(),
    );
  }, 180_000);

  test("on a state without them (a new installation) the removed blocks change nothing", () => {
    const directory = initStack(stack, { prefix: "moved-fresh" });
    const changes: unknown[] = plan(directory).resource_changes ?? [];
    expect(changes).toEqual([]);
  }, 180_000);
});
