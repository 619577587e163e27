import { Aspects, TerraformProvider, TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";

/**
 * The exact provider versions every stack requires: the versions the test suite validates and plans the stacks with
 * (see docs/testing.md). The bindings would write their own (github 6.9.0, docker 3.6.2) or a range (grafana
 * `~> 4.45`), so a later apply could run a provider nobody tested.
 */
export const PROVIDER_VERSIONS: Readonly<Record<string, string>> = {
  github: "6.6.0",
  docker: "4.6.0",
  grafana: "4.45.1",
};

/**
 * Makes a stack's `required_providers` name exact versions for the providers it configures: each provider in
 * `versions` gets that version, whatever its bindings would write. Works for providers added before or after the
 * call (it runs at synth). The pipeline's stacks call it; call it on a stack you compose from the exported constructs.
 */
export function pinProviderVersions(
  stack: TerraformStack,
  versions: Readonly<Record<string, string>> = PROVIDER_VERSIONS,
): void {
  Aspects.of(stack).add({
    visit(node: IConstruct): void {
      if (!TerraformProvider.isTerraformProvider(node) || TerraformStack.of(node) !== stack) return;
      const version = versions[node.terraformResourceType];
      if (version !== undefined)
        stack.addOverride(`terraform.required_providers.${node.terraformResourceType}.version`, version);
    },
  });
}
