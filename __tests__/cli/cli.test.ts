import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, readTree, shippedConfigJson, temporaryDirectory } from "../helpers";

const MAIN = path.join(PROJECT_ROOT, "dist", "main.js");
const SNAPSHOT = path.join(PROJECT_ROOT, "dist", "app.snapshot.blob");
const VALIDATE = path.join(PROJECT_ROOT, "dist", "scripts", "validate.js");

/** Runs a compiled entry point in a project directory, as `npm run synth` / `npm run validate` do. */
function run(script: string | readonly string[], cwd: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("WTFB_") && key !== "PIPELINE_CONFIG" && key !== "CDKTF_OUTDIR"));
  const result = spawnSync(process.execPath, typeof script === "string" ? [script] : script, { cwd, encoding: "utf8", env: { ...clean, CHECKPOINT_DISABLE: "1", ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function projectWith(config: unknown): string {
  const dir = temporaryDirectory("cli");
  fs.writeFileSync(path.join(dir, "pipeline.config.json"), typeof config === "string" ? config : JSON.stringify(config, null, 2));
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
    ["a wrong type", (raw) => ((raw.environments.production.waitTimerMinutes = "5"), raw), /environments\.production\.waitTimerMinutes: expected number/],
    ["an unknown key", (raw) => ((raw.repository.ownr = "x"), raw), /repository\.ownr: unknown key "ownr"/],
    ["an empty reviewer list for production", (raw) => ((raw.environments.production.reviewers = { users: [], teams: [] }), raw), /environments\.production\.reviewers: production needs at least one reviewer/],
    ["an invalid branch pattern", (raw) => ((raw.environments.development.branches = ["feature/ x"]), raw), /environments\.development\.branches\[0\]: branch pattern "feature\/ x" contains whitespace/],
    ["a duplicated secret name", (raw) => (raw.environments.production.secrets.push("SESSION_SECRET"), raw), /environments\.production\.secrets\[3\]: secret SESSION_SECRET is declared twice/],
    ["an environment name outside the three", (raw) => ((raw.environments.uat = {}), raw), /environments\.uat: unknown environment "uat"/],
  ];

  test.each(badInputs)("fails on %s, naming the field, with exit 1", (_name, change, expected) => {
    const dir = projectWith(change(shippedConfigJson()));
    const result = run(VALIDATE, dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).toMatch(/— fix: /);
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

  test("the bundled app (with its code cache) and the modules tsc emitted synthesize identical output", () => {
    const dir = projectWith(shippedConfigJson());
    const bundled = run(MAIN, dir, { CDKTF_OUTDIR: path.join(dir, "bundled") });
    const cached = run(MAIN, dir, { CDKTF_OUTDIR: path.join(dir, "cached") });
    const unbundled = run(MAIN, dir, { CDKTF_OUTDIR: path.join(dir, "unbundled"), WTFB_UNBUNDLED: "1" });
    expect([bundled.status, cached.status, unbundled.status]).toEqual([0, 0, 0]);
    expect(fs.existsSync(path.join(PROJECT_ROOT, "dist", "app.bundle.js.cache"))).toBe(true);
    const expected = readTree(path.join(dir, "unbundled"));
    expect(Object.keys(expected).length).toBeGreaterThan(20);
    expect(readTree(path.join(dir, "bundled"))).toEqual(expected);
    expect(readTree(path.join(dir, "cached"))).toEqual(expected);
  });

  test("the bundle's code cache, once written, is used as it is by the runs after it, V8 flags the app sets included", () => {
    const dir = projectWith(shippedConfigJson());
    const cache = path.join(PROJECT_ROOT, "dist", "app.bundle.js.cache");
    expect(run(MAIN, dir, { CDKTF_OUTDIR: path.join(dir, "first") }).status).toBe(0);
    const written = fs.statSync(cache);
    for (const name of ["second", "third"]) {
      expect(run(MAIN, dir, { CDKTF_OUTDIR: path.join(dir, name) }).status).toBe(0);
      // A cache V8 rejected would have been written anew: another file, renamed into place.
      const now = fs.statSync(cache);
      expect({ ino: now.ino, mtimeMs: now.mtimeMs }).toEqual({ ino: written.ino, mtimeMs: written.mtimeMs });
    }
  });

  test("cdktf.json and npm run synth start the app from the startup snapshot that the build makes", () => {
    const command = "node --snapshot-blob dist/app.snapshot.blob dist/main.js";
    const cdktfJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8"));
    const packageJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    expect(cdktfJson.app).toBe(`npm run --silent build && ${command}`);
    expect(packageJson.scripts.synth).toBe(`npm run --silent build && ${command}`);
    expect(fs.statSync(SNAPSHOT).size).toBeGreaterThan(1_000_000);
  });

  test("the startup snapshot reads the config, .env, environment and working directory of its run, not of the build", () => {
    // GIVEN a project unlike the one the snapshot was built in: other applications, a Grafana URL from .env,
    // and an output folder that does not exist yet
    const raw = shippedConfigJson();
    const template = raw.applications[0];
    // (the first keeps its name: the shipped critical-flow probes name it)
    raw.applications = [template.name, "billing"].map((name, index) => ({ ...template, name, image: `ghcr.io/acme/${name}`, hostPort: 18080 + index }));
    const dir = projectWith(raw);
    fs.writeFileSync(path.join(dir, ".env"), "WTFB_GRAFANA_URL=https://grafana.acme.example\n");

    // WHEN synthesizing from the snapshot and from the modules tsc emitted
    const fromSnapshot = run(["--snapshot-blob", SNAPSHOT, MAIN], dir, { CDKTF_OUTDIR: path.join("out", "snapshot") });
    const fromModules = run(MAIN, dir, { CDKTF_OUTDIR: path.join("out", "modules"), WTFB_UNBUNDLED: "1" });

    // THEN both succeed with the same files, and those files are this project's
    expect(fromModules.stderr).not.toMatch(/✖|failed/);
    expect([fromSnapshot.status, fromModules.status]).toEqual([0, 0]);
    expect(fromSnapshot.stdout).toBe(fromModules.stdout.replace("out/modules", "out/snapshot"));
    const expected = readTree(path.join(dir, "out", "modules"));
    expect(readTree(path.join(dir, "out", "snapshot"))).toEqual(expected);
    const staging = expected[path.join("stacks", "staging", "cdk.tf.json")];
    expect(staging).toContain("ghcr.io/acme/billing");
    expect(staging).toContain("https://grafana.acme.example");
    expect(staging).not.toContain("ghcr.io/wtfb/");
  });

  test("the startup snapshot reports a broken config like the plain app: the field, exit 1, output untouched", () => {
    const raw = shippedConfigJson();
    raw.environments.production.reviewers = { users: [], teams: [] };
    const dir = projectWith(raw);
    const result = run(["--snapshot-blob", SNAPSHOT, MAIN], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("environments.production.reviewers");
    expect(result.stderr).toContain("Nothing was synthesized");
    expect(fs.readdirSync(dir)).toEqual(["pipeline.config.json"]);
  });

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
    fs.writeFileSync(path.join(dir, ".env"), `SESSION_SECRET=${canaries[2]}\nTF_VAR_secret_session_secret=${canaries[3]}\nDATABASE_URL=${canaries[2]}\n`);

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
