import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { shippedConfig, temporaryDirectory } from "../helpers";
import { generatedWorkflows } from "./support/workflows";

/**
 * The release job's scripts, as GitHub runs them (bash -eo pipefail, taken from the generated release.yml), for
 * consecutive releases in a real git repository: a bare "origin", a developer's clone that keeps committing, and a
 * fresh full clone of the default branch per run, as actions/checkout with fetch-depth 0 gives the job. The
 * `gh release create` step is the one part not run (it needs GitHub); the notes it would publish are checked.
 */
const release = generatedWorkflows(shippedConfig())["release.yml"].parsed.jobs.release;
const scriptOf = (name: string): { run: string; env: Record<string, string> } => {
  const step = release.steps.find((candidate: any) => candidate.name.startsWith(name));
  if (!step) throw new Error(`the release job has no step "${name}"`);
  return step;
};
const planStep = scriptOf("Decide the version");
const tagStep = scriptOf("Set the version");

const identity = {
  GIT_AUTHOR_NAME: "dev",
  GIT_AUTHOR_EMAIL: "dev@example.com",
  GIT_COMMITTER_NAME: "dev",
  GIT_COMMITTER_EMAIL: "dev@example.com",
};

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...identity, ...env } });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe("the release job, four releases in a row in a real git repository", () => {
  const root = temporaryDirectory("release");
  const origin = path.join(root, "origin.git");
  const developer = path.join(root, "developer");
  let runs = 0;

  beforeAll(() => {
    run("git", ["init", "--quiet", "--bare", "--initial-branch=main", origin], root);
    run("git", ["clone", "--quiet", origin, developer], root);
    run("git", ["checkout", "--quiet", "-b", "main"], developer);
    fs.writeFileSync(
      path.join(developer, "package.json"),
      `${JSON.stringify({ name: "wtfb-app", version: "1.0.0", private: true }, null, 2)}\n`,
    );
    commit("feat: the first page");
  });

  /** A developer's change merged into the default branch. */
  function commit(subject: string, body = ""): void {
    if (run("git", ["ls-remote", "--heads", "origin", "main"], developer).trim() !== "")
      run("git", ["pull", "--quiet", "--ff-only", "origin", "main"], developer);
    fs.appendFileSync(path.join(developer, "CHANGES"), `${subject}\n`);
    run("git", ["add", "-A"], developer);
    run("git", ["commit", "--quiet", "-m", subject, ...(body ? ["-m", body] : [])], developer);
    run("git", ["push", "--quiet", "origin", "HEAD:main"], developer);
  }

  /** One run of the release job: its plan step, then (when due) its tag step; the outputs and notes it produced. */
  function releaseRun(bump = "auto"): { outputs: Record<string, string>; notes: string } {
    runs++;
    const workspace = path.join(root, `run-${runs}`);
    const temp = path.join(root, `temp-${runs}`);
    fs.mkdirSync(temp);
    run("git", ["clone", "--quiet", "--branch", "main", origin, workspace], root);
    const outputFile = path.join(temp, "output");
    fs.writeFileSync(outputFile, "");
    const common = { GITHUB_OUTPUT: outputFile, RUNNER_TEMP: temp };
    const plan = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", planStep.run], {
      cwd: workspace,
      encoding: "utf8",
      env: { ...process.env, ...common, ...planStep.env, EVENT_NAME: "workflow_dispatch", BUMP: bump },
    });
    if (plan.status !== 0) throw new Error(`the plan step failed:\n${plan.stdout}\n${plan.stderr}`);
    const outputs = Object.fromEntries(
      fs
        .readFileSync(outputFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    if (outputs.due === "true") {
      const tag = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", tagStep.run], {
        cwd: workspace,
        encoding: "utf8",
        env: { ...process.env, ...common, ...tagStep.env, VERSION: outputs.version, TAG: outputs.tag },
      });
      if (tag.status !== 0) throw new Error(`the tag step failed:\n${tag.stdout}\n${tag.stderr}`);
    }
    const notesFile = path.join(temp, "release-notes.md");
    return { outputs, notes: fs.existsSync(notesFile) ? fs.readFileSync(notesFile, "utf8") : "" };
  }

  const originTags = () => run("git", ["tag", "--list"], origin).trim().split("\n").filter(Boolean).sort();
  const originPackageVersion = () => JSON.parse(run("git", ["show", "main:package.json"], origin)).version;
  const taggedPackageVersion = (tag: string) => JSON.parse(run("git", ["show", `${tag}:package.json`], origin)).version;

  test("the first release is the version package.json declares", () => {
    const { outputs, notes } = releaseRun();
    expect(outputs).toMatchObject({ due: "true", version: "1.0.0", tag: "v1.0.0" });
    expect(notes).toContain("- feat: the first page");
    expect(originTags()).toEqual(["v1.0.0"]);
    expect(originPackageVersion()).toBe("1.0.0");
  });

  test("a fix after it is the next patch, and the notes list only what is new", () => {
    commit("fix: a typo on the first page");
    const { outputs, notes } = releaseRun();
    expect(outputs).toMatchObject({ due: "true", version: "1.0.1", tag: "v1.0.1" });
    expect(notes).toContain("### Fixes\n- fix: a typo on the first page");
    expect(notes).not.toContain("feat: the first page");
    expect(originTags()).toEqual(["v1.0.0", "v1.0.1"]);
    expect(originPackageVersion()).toBe("1.0.1");
  });

  test("a feature after that is the next minor, from the newest tag", () => {
    commit("feat: search");
    const { outputs, notes } = releaseRun();
    expect(outputs).toMatchObject({ version: "1.1.0", tag: "v1.1.0" });
    expect(notes).toContain("### Features\n- feat: search");
    expect(notes).not.toContain("typo");
    expect(notes).not.toContain("release: v1.0.1");
    expect(originPackageVersion()).toBe("1.1.0");
  });

  test("a breaking change is the next major; every tag points at a commit whose package.json says its version", () => {
    commit("feat(api)!: orders are paged");
    const { outputs, notes } = releaseRun();
    expect(outputs).toMatchObject({ version: "2.0.0", tag: "v2.0.0" });
    expect(notes).toContain("### Breaking changes\n- feat(api)!: orders are paged");
    expect(notes).not.toContain("feat: search");
    expect(originTags()).toEqual(["v1.0.0", "v1.0.1", "v1.1.0", "v2.0.0"]);
    for (const tag of originTags()) expect(taggedPackageVersion(tag)).toBe(tag.slice(1));
    expect(originPackageVersion()).toBe("2.0.0");
  });

  test("with nothing new since the last release, nothing is released", () => {
    const { outputs } = releaseRun();
    expect(outputs.due).toBe("false");
    expect(originTags()).toHaveLength(4);
  });
});
