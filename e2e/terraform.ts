/**
 * `terraform init` and `terraform apply` of a synthesized runtime stack with the real Docker provider, installed from
 * the filesystem mirror the provider build writes (no registry is reached). Applies run asynchronously, so the load
 * generator keeps its pace while Terraform works.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const CACHE = process.env.WTFB_CACHE_DIR ?? path.join(os.homedir(), ".cache", "wtfb-deploy");
/** The filesystem mirror (unpacked layout) of the real providers. */
export const PROVIDER_MIRROR = process.env.WTFB_PROVIDER_MIRROR ?? path.join(CACHE, "providers");
/** The Docker provider version the mirror holds. */
export const DOCKER_PROVIDER_VERSION = "4.6.0";
const DOCKER_PROVIDER = path.join(
  PROVIDER_MIRROR,
  "registry.terraform.io",
  "kreuzwerker",
  "docker",
  DOCKER_PROVIDER_VERSION,
  "linux_amd64",
  `terraform-provider-docker_v${DOCKER_PROVIDER_VERSION}`,
);

/** What an apply needs on this machine, or undefined when it is all there. */
export function terraformMissing(): string | undefined {
  if (spawnSync("terraform", ["version"], { stdio: "ignore" }).error) return "terraform is not on PATH";
  if (!fs.existsSync(DOCKER_PROVIDER)) return `the real Docker provider is not built (${DOCKER_PROVIDER} is missing)`;
  return undefined;
}

export interface ApplyResult {
  readonly ok: boolean;
  readonly seconds: number;
  /** Terraform's output, for the report when the apply failed. */
  readonly output: string;
}

/** A Terraform working directory for one environment's runtime. */
export class TerraformWorkspace {
  private readonly cliConfig: string;
  private initialized = false;

  constructor(public readonly directory: string) {
    fs.mkdirSync(directory, { recursive: true });
    this.cliConfig = path.join(directory, "terraform.tfrc");
    fs.writeFileSync(
      this.cliConfig,
      `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(PROVIDER_MIRROR)}
    include = ["registry.terraform.io/kreuzwerker/docker"]
  }
  direct {
    exclude = ["registry.terraform.io/kreuzwerker/docker", "registry.terraform.io/integrations/github"]
  }
}
`,
    );
  }

  /** The state file (the stack's local backend points here). */
  public get stateFile(): string {
    return path.join(this.directory, "terraform.tfstate");
  }

  /** Writes the stack and runs `terraform init` the first time. */
  public write(stack: Record<string, any>): void {
    const copy = JSON.parse(JSON.stringify(stack));
    // The mirror holds the provider version the project pins; the stack names it through the bindings' constraint.
    const docker = copy.terraform?.required_providers?.docker;
    if (docker && docker.version !== DOCKER_PROVIDER_VERSION) docker.version = DOCKER_PROVIDER_VERSION;
    fs.writeFileSync(path.join(this.directory, "main.tf.json"), `${JSON.stringify(copy, null, 2)}\n`);
    if (!this.initialized) {
      const result = spawnSync("terraform", ["init", "-input=false", "-no-color"], {
        cwd: this.directory,
        env: this.env({}),
        encoding: "utf8",
        timeout: 300_000,
      });
      if (result.status !== 0)
        throw new Error(`terraform init failed in ${this.directory}:\n${result.stdout}\n${result.stderr}`);
      this.initialized = true;
    }
  }

  /** `terraform apply -auto-approve` with these TF_VAR_ values; resolves when Terraform exits. */
  public apply(variables: Readonly<Record<string, string>>, log?: fs.WriteStream): Promise<ApplyResult> {
    const started = Date.now();
    const env = this.env(
      Object.fromEntries(Object.entries(variables).map(([name, value]) => [`TF_VAR_${name}`, value])),
    );
    return new Promise((resolve) => {
      const child = spawn(
        "terraform",
        ["apply", "-auto-approve", "-input=false", "-no-color", "-lock=false", "-parallelism=10"],
        { cwd: this.directory, env },
      );
      let output = "";
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        log?.write(chunk);
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      // Bounded: a stuck apply is killed after 10 minutes.
      const timer = setTimeout(() => child.kill("SIGTERM"), 600_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ ok: code === 0, seconds: (Date.now() - started) / 1000, output });
      });
    });
  }

  private env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return {
      ...process.env,
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      TF_CLI_CONFIG_FILE: this.cliConfig,
      ...extra,
    };
  }
}
