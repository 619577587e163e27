/**
 * The runtime's resources as one `for_each` resource per role (a slot's containers, its migration, the proxy…),
 * with one instance per application keyed by its name: `docker_container.blue["web"]`. The work of synthesizing an
 * environment then grows with its applications only through plain map entries, not through resources.
 */
import { Construct } from "constructs";
import { TerraformElement, TerraformIterator, TerraformStack, type MapTerraformIterator, type TerraformDataSource, type TerraformResource } from "cdktf";
import { makeUniqueId } from "cdktf/lib/private/unique";

/** A resource or data source with `for_each`. */
type ForEachElement = TerraformResource | TerraformDataSource;

/**
 * One role: the element, its address, and the map its `for_each` runs over. Entries hold the per-application values
 * only, as plain data: references to other resources are written out per key (`docker_image.blue["web"].image_id`).
 */
export class ForEachRole<Entry extends object> {
  /** `docker_container.blue`, `data.docker_registry_image.blue`. */
  public readonly address: string;

  /**
   * @param entries the map `for_each` runs over, filled in by `add`: a plain object, not a lazy value, so synth
   * copies it as data instead of resolving it as a token.
   */
  constructor(
    public readonly element: ForEachElement,
    type: string,
    name: string,
    private readonly entries: Record<string, Entry>,
  ) {
    element.overrideLogicalId(name);
    this.address = `${type}.${name}`;
  }

  /** Adds the instance `key` (ServiceDeployment makes sure no application is deployed twice on a host). */
  public add(key: string, entry: Entry): string {
    // In the order applications are declared; the stack's writer sorts every object's keys.
    this.entries[key] = entry;
    return this.instance(key);
  }

  /** Address of an instance: `docker_container.blue["web"]`. */
  public instance(key: string): string {
    return `${this.address}[${JSON.stringify(key)}]`;
  }

  /** A Terraform reference to an attribute of an instance, for a map entry: `${docker_image.blue["web"].image_id}`. */
  public ref(key: string, attribute: string): string {
    return `\${${this.instance(key)}.${attribute}}`;
  }

  /** Orders the whole role after `other` (Terraform orders resources, not instances). */
  public dependOn(other: ForEachRole<object>): void {
    const list = (this.element.dependsOn ??= []);
    if (!list.includes(other.address)) list.push(other.address);
  }
}

/** Per-application values of a role that only has a name (a registry lookup, an image, a volume). */
export interface NameEntry {
  readonly name: string;
}

/** A Terraform address of the layout before (a resource per application), and where its state now belongs. */
export interface MovedAddress {
  readonly from: string;
  readonly to: string;
}

/**
 * The roles of one Docker host, created on first use. One per host; the resource names carry the host's
 * `addressPrefix`, so two hosts in one stack need different prefixes.
 */
export class RuntimeFleet extends Construct {
  private static readonly prefixesByStack = new WeakMap<TerraformStack, Set<string>>();

  private readonly roles = new Map<string, ForEachRole<object>>();
  private readonly moved: MovedAddress[] = [];

  constructor(scope: Construct, id: string, private readonly prefix: string) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    let prefixes = RuntimeFleet.prefixesByStack.get(stack);
    if (!prefixes) RuntimeFleet.prefixesByStack.set(stack, (prefixes = new Set()));
    if (prefixes.has(prefix)) {
      throw new Error(`DockerHost: stack ${stack.node.id} has two Docker hosts with addressPrefix ${JSON.stringify(prefix)}; give each host of one stack its own addressPrefix`);
    }
    prefixes.add(prefix);
    new MovedBlocks(this, "moved", this.moved);
  }

  /**
   * The role `name` of a resource type (`docker_container`) or data source (`data.docker_registry_image`), made by
   * `create` the first time, which gets the iterator over the role's map.
   */
  public role<Entry extends object>(type: string, name: string, create: (scope: Construct, id: string, each: MapTerraformIterator) => ForEachElement): ForEachRole<Entry> {
    const logicalName = `${this.prefix}${name}`;
    const key = `${type}.${logicalName}`;
    let role = this.roles.get(key) as ForEachRole<Entry> | undefined;
    if (!role) {
      const entries: Record<string, Entry> = {};
      const element = create(this, key, TerraformIterator.fromMap(entries));
      // cdktf renders an iterator's map as a token, which synth then resolves value by value as if any could hold
      // one; the map's entries are plain data, so they go in as they are.
      element.addOverride("for_each", entries);
      role = new ForEachRole<Entry>(element, type, logicalName, entries);
      this.roles.set(key, role as ForEachRole<object>);
    }
    return role;
  }

  /** Records that the earlier layout's resource `fromLogicalId` of `type` is now `to`. */
  public movedFrom(type: string, fromLogicalId: string, to: string): void {
    this.moved.push({ from: `${type}.${fromLogicalId}`, to });
  }

  /** The logical id cdktf gives an element at `path` (construct ids below the stack) without an override: its hashed address. */
  public static hashedLogicalId(path: readonly string[]): string {
    return makeUniqueId([...path]);
  }
}

/**
 * `moved` blocks: where the state of a deployment synthesized with the earlier layout (a resource per application)
 * belongs now, so the first apply after an upgrade moves it and replaces nothing. A `from` with no state is ignored
 * by Terraform.
 */
class MovedBlocks extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly moved: readonly MovedAddress[],
  ) {
    super(scope, id);
  }

  public toTerraform(): Record<string, unknown> {
    // Stacks concatenate the `moved` lists of their elements.
    // Lists keep their order in the written stack: sorted here, by code point, so it never depends on declaration order.
    return this.moved.length > 0 ? { moved: [...this.moved].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0)) } : {};
  }
}
