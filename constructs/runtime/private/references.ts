import { TerraformResource, TerraformStack, type ITerraformDependable } from "cdktf";
import type { IConstruct } from "constructs";

/**
 * `<type>.<name>.<attribute>` of a resource in `scope`'s stack, as plain text: what the attribute's getter
 * (`image.imageId`, `network.name`) resolves to at synth, without the token behind it. Every getter call makes a new
 * token, which captures a stack trace and is resolved twice per synth; with 8 containers per application and
 * environment, that is much of synth's cost per application. Like the getter, it reads the resource's Terraform name
 * when called, so the name must be final (`overrideLogicalId` first). Undefined for a resource of another stack or
 * with `for_each`: cdktf must see those references as tokens to wire them.
 */
export function plainReference(scope: IConstruct, resource: TerraformResource, attribute: string): string | undefined {
  if (resource.forEach !== undefined || TerraformStack.of(resource) !== TerraformStack.of(scope)) return undefined;
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}.${attribute}`;
}

/** `${<type>.<name>.<attribute>}` (see `plainReference`), or the getter's token where cdktf must wire the reference. */
export function attributeOf(scope: IConstruct, resource: TerraformResource, attribute: string): string {
  const reference = plainReference(scope, resource, attribute);
  return reference === undefined ? resource.getStringAttribute(attribute) : `\${${reference}}`;
}

/**
 * `depends_on` entries for `dependsOn`: resources of `scope`'s stack as their plain `<type>.<name>`, anything else
 * as given. cdktf writes a resource's entry from its `fqn`, a token it creates during the synth's deeply recursive
 * resolve, where capturing the token's stack trace costs the most.
 */
export function dependenciesOf(
  scope: IConstruct,
  dependencies: readonly ITerraformDependable[],
): ITerraformDependable[] {
  return dependencies.map((dependency) => {
    const sameStack =
      dependency instanceof TerraformResource &&
      dependency.forEach === undefined &&
      TerraformStack.of(dependency) === TerraformStack.of(scope);
    return sameStack ? { fqn: `${dependency.terraformResourceType}.${dependency.friendlyUniqueId}` } : dependency;
  });
}
