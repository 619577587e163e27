import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, readTree, shippedConfigJson, temporaryDirectory } from "../helpers";

const MAIN = path.join(PROJECT_ROOT, "dist", "main.js");
const VALIDATE = path.join(PROJECT_ROOT, "dist", "scripts", "validate.js");

/** Runs a compiled entry point in a project directory, as `npm run synth` / `npm run validate` do. */
function run(script: string, cwd: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith("WTFB_") && key !== "PIPELINE_CONFIG" && key !== "CDKTF_OUTDIR",
    ),
  );
  const result = spawnSync(process.execPath, [script], {
    cwd,
    encoding: "utf8",
    env: { ...clean, CHECKPOINT_DISABLE: "1", ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function projectWith(config: unknown): string {
  const dir = temporaryDirectory("cli");
  fs.writeFileSync(
    path.join(dir, "pipeline.config.json"),
    typeof config === "string" ? config : JSON.stringify(config, null, 2),
  );
  return dir;
}

describe("npm run validate", () => {
  test("accepts the shipped config with exit 0", () => {
    const result = run(VALIDATE, PROJECT_ROOT);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("pipeline.config.json: valid");
    expect(result.status).toBe(0);
  });

  const badInputs: Array<[string, (raw: any) => unknown, RegExp]> = [
    ["malformed JSON", () => '{ "repository": { "owner": "wtfb" ', /\(root\): is not valid JSON/],
    [
      "a wrong type",
      (raw) => ((raw.environments.production.waitTimerMinutes = "5"), raw),
      /environments\.production\.waitTimerMinutes: expected number/,
    ],
    ["an unknown key", (raw) => ((raw.repository.ownr = "x"), raw), /repository\.ownr: unknown key "ownr"/],
    [
      "an empty reviewer list for production",
      (raw) => ((raw.environments.production.reviewers = { users: [], teams: [] }), raw),
      /environments\.production\.reviewers: production needs at least one reviewer/,
    ],
    [
      "an invalid branch pattern",
      (raw) => ((raw.environments.development.branches = ["feature/ x"]), raw),
      /environments\.development\.branches\[0\]: branch pattern "feature\/ x" contains whitespace/,
    ],
    [
      "a duplicated secret name",
      (raw) => (raw.environments.production.secrets.push("SESSION_SECRET"), raw),
      /environments\.production\.secrets\[3\]: secret SESSION_SECRET is declared twice/,
    ],
    [
      "an environment name outside the three",
      (raw) => ((raw.environments.uat = {}), raw),
      /environments\.uat: unknown environment "uat"/,
    ],
  ];

  test.each(badInputs)("fails on %s, naming the field, with exit 1", (_name, change, expected) => {
    const dir = projectWith(change(shippedConfigJson()));
    const result = run(VALIDATE, dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).toMatch(/— fix: /);
  });

  test("names the config file the same way whether it is valid or not: relative to the working directory", () => {
    const dir = temporaryDirectory("cli-paths");
    fs.mkdirSync(path.join(dir, "infra"));
    fs.writeFileSync(path.join(dir, "infra", "pipeline.json"), JSON.stringify(shippedConfigJson()));
    const valid = run(VALIDATE, dir, { PIPELINE_CONFIG: "infra/pipeline.json" });
    expect(valid.stdout).toBe(`${path.join("infra", "pipeline.json")}: valid\n`);
    const raw = shippedConfigJson();
    raw.environments.prod = {};
    fs.writeFileSync(path.join(dir, "infra", "pipeline.json"), JSON.stringify(raw));
    const invalid = run(VALIDATE, dir, { PIPELINE_CONFIG: "infra/pipeline.json" });
    expect(invalid.status).toBe(1);
    expect(invalid.stderr.split("\n")[0]).toBe(`${path.join("infra", "pipeline.json")}: 1 problem`);
    expect(invalid.stderr).toContain(
      'environments.prod: unknown environment "prod"; the SOP has exactly development, staging and production — fix: did you mean "production"?',
    );
  });

  test("reads a local .env file: a value from it is validated and named", () => {
    const dir = projectWith(shippedConfigJson());
    fs.writeFileSync(path.join(dir, ".env"), "WTFB_GRAFANA_URL=not-a-url\n");
    const result = run(VALIDATE, dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/monitoring\.grafanaUrl: .*\(the value comes from WTFB_GRAFANA_URL\)/);
  });
});

describe("npm run synth", () => {
  test("writes every stack, and a failed synth leaves the previous output byte-for-byte unchanged", () => {
    // GIVEN a project synthesized once
    const dir = projectWith(shippedConfigJson());
    const first = run(MAIN, dir);
    expect(first.status).toBe(0);
    const outdir = path.join(dir, "cdktf.out");
    for (const stack of ["development", "staging", "production", "repository"]) {
      expect(fs.existsSync(path.join(outdir, "stacks", stack, "cdk.tf.json"))).toBe(true);
    }
    const before = readTree(outdir);

    // WHEN the config is broken and synth runs again
    const raw = shippedConfigJson();
    raw.environments.production.reviewers = { users: [], teams: [] };
    fs.writeFileSync(path.join(dir, "pipeline.config.json"), JSON.stringify(raw));
    const second = run(MAIN, dir);

    // THEN it fails loudly and the output is untouched
    expect(second.status).toBe(1);
    expect(second.stderr).toContain("environments.production.reviewers");
    expect(second.stderr).toContain("previous output is unchanged");
    expect(readTree(outdir)).toEqual(before);
    expect(fs.readdirSync(dir).filter((name) => name.startsWith("cdktf.out"))).toEqual(["cdktf.out"]);
  });

  test("cdktf.json and npm run synth run the compiled app with plain node after the build", () => {
    const cdktfJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8"));
    const packageJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    // The cdktf CLI may run outside npm (node_modules/.bin not on PATH), so cdktf.json goes through npm's build script;
    // npm run synth is already inside npm and runs the build's command itself, without a second npm process.
    expect(cdktfJson.app).toBe("npm run --silent build && node dist/main.js");
    expect(packageJson.scripts.synth).toBe(`${packageJson.scripts.build} && node dist/main.js`);
    expect(packageJson.scripts.build).toBe("tsc -b tsconfig.build.json");
  });

  test("reads the config, .env, environment and working directory of its run", () => {
    // GIVEN a project unlike the shipped one: other applications, a Grafana URL from .env, and an output folder
    // that does not exist yet
    const raw = shippedConfigJson();
    const template = raw.applications[0];
    // (the first keeps its name: the shipped critical-flow probes name it)
    raw.applications = [template.name, "billing"].map((name, index) => ({
      ...template,
      name,
      image: `ghcr.io/acme/${name}`,
      hostPort: 18080 + index,
    }));
    const dir = projectWith(raw);
    fs.writeFileSync(path.join(dir, ".env"), "WTFB_GRAFANA_URL=https://grafana.acme.example\n");

    // WHEN synthesizing
    const result = run(MAIN, dir, { CDKTF_OUTDIR: path.join("out", "app") });

    // THEN the files are this project's
    expect(result.stderr).not.toMatch(/✖|failed/);
    expect(result.status).toBe(0);
    const staging = readTree(path.join(dir, "out", "app"))[path.join("stacks", "staging", "cdk.tf.json")];
    expect(staging).toContain("ghcr.io/acme/billing");
    expect(staging).toContain("https://grafana.acme.example");
    expect(staging).not.toContain("ghcr.io/wtfb/");
  });

  test("reports a broken config with the field, exit 1, and writes nothing", () => {
    const raw = shippedConfigJson();
    raw.environments.production.reviewers = { users: [], teams: [] };
    const dir = projectWith(raw);
    const result = run(MAIN, dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("environments.production.reviewers");
    expect(result.stderr).toContain("Nothing was synthesized");
    expect(fs.readdirSync(dir)).toEqual(["pipeline.config.json"]);
  });

  test("prints each config problem once, then that nothing was written", () => {
    const raw = shippedConfigJson();
    raw.environments.prod = {};
    raw.repository.owner = "bob smith";
    const result = run(MAIN, projectWith(raw));
    expect(result.status).toBe(1);
    const output = result.stdout + result.stderr;
    const problems = output.split("\n").filter((line) => line.includes("✖"));
    expect(problems).toHaveLength(2);
    expect(output.match(/environments\.prod: unknown environment/g)).toHaveLength(1);
    expect(output.match(/Nothing was synthesized/g)).toHaveLength(1);
  });

  test("under the cdktf CLI, the local-state warnings are printed as warnings (WARN [stack]), never as errors", () => {
    // GIVEN a project whose cdktf.json runs the built app, as a consumer's does, with staging on local state
    const dir = projectWith(shippedConfigJson());
    fs.writeFileSync(
      path.join(dir, "cdktf.json"),
      JSON.stringify({ language: "typescript", app: `node ${MAIN}`, output: "cdktf.out", sendCrashReports: "false" }),
    );
    // WHEN the cdktf CLI synthesizes it
    const cli = spawnSync(
      process.execPath,
      [path.join(PROJECT_ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf"), "synth"],
      {
        cwd: dir,
        encoding: "utf8",
        env: {
          ...Object.fromEntries(
            Object.entries(process.env).filter(
              ([key]) => !key.startsWith("WTFB_") && key !== "PIPELINE_CONFIG" && key !== "CDKTF_OUTDIR",
            ),
          ),
          CHECKPOINT_DISABLE: "1",
          FORCE_COLOR: "0",
          CI: "1",
        },
        timeout: 120000,
      },
    );
    // THEN it succeeds, shows the warning once as a warning of the staging stack, and shows no error
    const output = `${cli.stdout}${cli.stderr}`;
    expect(cli.status).toBe(0);
    expect(output.match(/WARN \[staging\]: staging keeps its Terraform state in a local file/g)).toHaveLength(1);
    // (the CLI logs whatever the app writes to stderr as "[ERROR] default - …"; Terraform's own notes may appear so too)
    expect(output).not.toMatch(/\[ERROR\][^\n]*(keeps its Terraform state|warning:)|warning: staging/);
    // AND the plain app (npm run synth) prints it on stderr
    expect(run(MAIN, dir, { CDKTF_OUTDIR: path.join(dir, "plain") }).stderr).toMatch(
      /^warning: staging keeps its Terraform state in a local file/m,
    );
  }, 150000);

  test("warns when staging or production keeps its state in a local file", () => {
    const raw = shippedConfigJson();
    delete raw.environments.production.backend;
    const result = run(MAIN, projectWith(raw));
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/warning: staging keeps its Terraform state in a local file/);
    expect(result.stderr).toMatch(/warning: production keeps its Terraform state in a local file.*lost infrastructure/);
  });

  test("no secret value from the environment or a .env file reaches the output or the logs", () => {
    // GIVEN canary values wherever a careless implementation could pick secrets up
    const canaries = ["canary-tfvar-5f1c", "canary-token-9a2e", "canary-dotenv-7b3d", "canary-dotenv-tfvar-c41a"];
    const dir = projectWith(shippedConfigJson());
    fs.writeFileSync(
      path.join(dir, ".env"),
      `SESSION_SECRET=${canaries[2]}\nTF_VAR_secret_session_secret=${canaries[3]}\nDATABASE_URL=${canaries[2]}\n`,
    );

    // WHEN synthesizing
    const result = run(MAIN, dir, {
      TF_VAR_secret_database_url: canaries[0],
      GITHUB_TOKEN: canaries[1],
      GRAFANA_AUTH: canaries[1],
      TF_VAR_registry_password: canaries[0],
    });

    // THEN no file and no log line contains a canary, and the secrets are references to sensitive variables
    expect(result.status).toBe(0);
    const files = readTree(path.join(dir, "cdktf.out"));
    expect(Object.keys(files).length).toBeGreaterThan(4);
    for (const [file, content] of Object.entries(files)) {
      for (const canary of canaries) {
        if (content.includes(canary)) throw new Error(`${file} contains the secret value ${canary}`);
      }
    }
    for (const canary of canaries) {
      expect(result.stdout + result.stderr).not.toContain(canary);
    }
    const production = JSON.parse(files[path.join("stacks", "production", "cdk.tf.json")]);
    expect(production.variable.secret_database_url).toMatchObject({ sensitive: true, type: "string" });
  });
});
