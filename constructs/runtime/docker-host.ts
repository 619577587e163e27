import { Construct } from "constructs";
import { TerraformStack, TerraformVariable } from "cdktf";
import { DockerProvider, type DockerProviderRegistryAuth } from "@cdktf/provider-docker/lib/provider";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { REGISTRY_PASSWORD_VARIABLE, REGISTRY_USERNAME_VARIABLE, networkName } from "../contract";

export interface DockerHostProps {
  /** Environment the host runs (development, staging, production); names the network. */
  readonly environmentName: string;
  /** Docker daemon address: `unix:///var/run/docker.sock`, `ssh://user@host` or `tcp://host:port`. @default "unix:///var/run/docker.sock" */
  readonly host?: string;
  /** Registries application images are pulled from; each is logged in to with TF_VAR_registry_username/password. @default - none */
  readonly registryAddresses?: readonly string[];
  /**
   * Prefix of the runtime's Terraform resource names (`docker_container.<prefix>proxy`); only a second Docker host
   * in one stack needs one, e.g. "eu_". @default "" (none)
   */
  readonly addressPrefix?: string;
  /** Extra options for the ssh connection of an `ssh://` host, e.g. ["-o", "ServerAliveInterval=30"]. @default - none */
  readonly sshOptions?: readonly string[];
}

/** Docker Hub's registry address, as the provider matches it for images without a registry host. */
const DOCKER_HUB_REGISTRY = "registry-1.docker.io";

/**
 * The Docker host of one environment: the `docker` provider connected to it (registry credentials from sensitive
 * variables, never the config) and the network every container of the environment joins. One per environment
 * stack, shared by all its applications.
 */
export class DockerHost extends Construct {
  /** Registry address of an image repository: its first path component when that names a host, else Docker Hub. */
  public static registryAddressOf(imageRepository: string): string {
    const [first, ...rest] = imageRepository.split("/");
    const namesHost = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    return namesHost ? first : DOCKER_HUB_REGISTRY;
  }

  /** Environment the host runs. */
  public readonly environmentName: string;
  /** The provider every runtime resource of the environment uses. */
  public readonly provider: DockerProvider;
  /** The environment's network; containers reach each other by name on it. */
  public readonly network: Network;
  /** Name of the network (`wtfb-<environment>`). */
  public readonly networkName: string;
  /** Prefix of the runtime's resource names. */
  public readonly addressPrefix: string;
  private readonly images = new Map<string, Image>();
  private readonly hostPorts = new Map<number, string>();

  constructor(scope: Construct, id: string, props: DockerHostProps) {
    super(scope, id);
    this.environmentName = props.environmentName;
    this.addressPrefix = props.addressPrefix ?? "";
    if (!/^([a-z][a-z0-9_]*_)?$/.test(this.addressPrefix)) {
      throw new Error(
        `DockerHost ${props.environmentName}: addressPrefix ${JSON.stringify(this.addressPrefix)} must be lower-case letters, digits and _, starting with a letter and ending in _ (e.g. "eu_")`,
      );
    }
    const registries = [...new Set(props.registryAddresses ?? [])].sort();
    let registryAuth: DockerProviderRegistryAuth[] | undefined;
    if (registries.length > 0) {
      // Stack-level variables so their names are exactly what TF_VAR_ expects.
      const stack = TerraformStack.of(this);
      const username = new TerraformVariable(stack, REGISTRY_USERNAME_VARIABLE, {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `User the ${props.environmentName} Docker host pulls application images as (${registries.join(", ")}). Supply as TF_VAR_${REGISTRY_USERNAME_VARIABLE}.`,
      });
      const password = new TerraformVariable(stack, REGISTRY_PASSWORD_VARIABLE, {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `Password or token of that user (read access to the images is enough). Supply as TF_VAR_${REGISTRY_PASSWORD_VARIABLE}.`,
      });
      registryAuth = registries.map((address) => ({
        address,
        username: username.stringValue,
        password: password.stringValue,
      }));
    }
    this.provider = new DockerProvider(this, "provider", {
      host: props.host ?? "unix:///var/run/docker.sock",
      sshOpts: props.sshOptions && props.sshOptions.length > 0 ? [...props.sshOptions] : undefined,
      registryAuth,
    });
    this.networkName = networkName(props.environmentName);
    this.network = new Network(this, "network", {
      provider: this.provider,
      name: this.networkName,
      driver: "bridge",
      labels: [
        { label: "wtfb.environment", value: props.environmentName },
        { label: "wtfb.role", value: "network" },
      ],
    });
  }

  /** Claims a port on the host for one application; a second application claiming it is an error. */
  public claimHostPort(port: number, applicationName: string): void {
    const owner = this.hostPorts.get(port);
    if (owner !== undefined && owner !== applicationName) {
      throw new Error(
        `DockerHost ${this.environmentName}: host port ${port} of ${applicationName} is already published by ${owner}; give each application its own hostPort`,
      );
    }
    this.hostPorts.set(port, applicationName);
  }

  /**
   * An image the runtime runs as configured (proxy, backup client), pulled once per host and shared by every
   * application. Its reference is the pin: give it a digest (`nginx:1.27-alpine@sha256:…`) to fix the exact build.
   */
  public infrastructureImage(reference: string): Image {
    let image = this.images.get(reference);
    if (!image) {
      image = new Image(this, `image-${reference.replace(/[^A-Za-z0-9]+/g, "-")}`, {
        provider: this.provider,
        name: reference,
        // Kept on destroy: a rollback or a second application may still run it.
        keepLocally: true,
      });
      this.images.set(reference, image);
    }
    return image;
  }
}
