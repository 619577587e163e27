import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeWhen, shippedConfig, temporaryDirectory } from "../helpers";
import { variantConfig } from "./support/configs";
import { generatedWorkflows } from "./support/workflows";

/**
 * The ecosystem's own linters over every generated workflow: actionlint (with shellcheck for every `run:` script)
 * and zizmor (offline: its audits that need GitHub's API are not run). A finding fails the test unless the
 * committed allow-list names it with its reason; an allow-list entry that no finding matches fails too, so the list
 * never outlives what it excuses.
 *
 * Install (what .ci/run does):
 *   apt-get install -y shellcheck
 *   pip install zizmor
 *   GOBIN=$HOME/.cache/wtfb-deploy/bin go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
 */
interface Finding {
  readonly tool: "actionlint" | "zizmor";
  readonly rule: string;
  readonly file: string;
  readonly message: string;
}

interface Allowed {
  readonly tool: Finding["tool"];
  readonly rule: string;
  /** Workflow file name; `*` matches any characters (`deploy-*.yml`). */
  readonly file: string;
  /** A substring of the finding's message, to name the one finding meant. @default - any message */
  readonly match?: string;
  readonly reason: string;
}

const ALLOW_LIST_FILE = path.join(__dirname, "linter-allow-list.json");
const INSTALL_HINT =
  "install the linters as .ci/run does: apt-get install -y shellcheck; pip install zizmor; GOBIN=$HOME/.cache/wtfb-deploy/bin go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12";

function onPath(tool: string): string | undefined {
  const result = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const actionlint =
  onPath("actionlint") ??
  [path.join(os.homedir(), ".cache/wtfb-deploy/bin/actionlint")].find((candidate) => fs.existsSync(candidate));
const zizmor = onPath("zizmor");
const shellcheck = onPath("shellcheck");
const missing = [!actionlint && "actionlint", !zizmor && "zizmor", !shellcheck && "shellcheck"].filter(Boolean);

/** The generated workflows of a config written as a repository's .github/workflows (a git repository, as actionlint expects). */
function writeRepository(label: string, files: Record<string, string>): string {
  const root = temporaryDirectory(`linters-${label}`);
  const directory = path.join(root, ".github", "workflows");
  fs.mkdirSync(directory, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(directory, name), text);
  spawnSync("git", ["init", "--quiet", root]);
  return root;
}

function actionlintFindings(root: string): Finding[] {
  const result = spawnSync(actionlint as string, ["-format", "{{json .}}", "-shellcheck", shellcheck as string], {
    cwd: root,
    encoding: "utf8",
  });
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`actionlint failed (${result.status}): ${result.stderr}`);
  const errors = JSON.parse(result.stdout || "[]") as Array<{ kind: string; filepath: string; message: string }>;
  return errors.map((error) => ({
    tool: "actionlint",
    rule: error.kind,
    file: path.basename(error.filepath),
    message: error.message,
  }));
}

function zizmorFindings(root: string): Finding[] {
  const result = spawnSync(
    zizmor as string,
    ["--offline", "--format", "json", "--persona", "regular", path.join(root, ".github", "workflows")],
    { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
  );
  // zizmor exits 0 without findings, 10–14 with findings by severity; anything else is a crash.
  if (result.status !== 0 && !(result.status !== null && result.status >= 10 && result.status <= 14))
    throw new Error(`zizmor failed (${result.status}): ${result.stderr}`);
  const findings = JSON.parse(result.stdout || "[]") as Array<{
    ident: string;
    desc: string;
    locations: Array<{ symbolic: { kind: string; key: { Local?: { verbatim_path: string } }; annotation: string } }>;
  }>;
  return findings.map((finding) => {
    const location = (
      finding.locations.find((candidate) => candidate.symbolic.kind === "Primary") ?? finding.locations[0]
    )?.symbolic;
    return {
      tool: "zizmor",
      rule: finding.ident,
      file: path.basename(location?.key.Local?.verbatim_path ?? ""),
      message: `${finding.desc}: ${location?.annotation ?? ""}`,
    };
  });
}

function allows(entry: Allowed, finding: Finding): boolean {
  const file = new RegExp(
    `^${entry.file
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return (
    entry.tool === finding.tool &&
    entry.rule === finding.rule &&
    file.test(finding.file) &&
    (entry.match === undefined || finding.message.includes(entry.match))
  );
}

describeWhen(missing.length === 0, `the workflow linters are missing (${missing.join(", ")}): ${INSTALL_HINT}`)(
  "actionlint and zizmor over every generated workflow",
  () => {
    const allowList = JSON.parse(fs.readFileSync(ALLOW_LIST_FILE, "utf8")) as Allowed[];
    const findings: Finding[] = [];

    beforeAll(() => {
      for (const [label, config] of [
        ["shipped", shippedConfig],
        ["variant", variantConfig],
      ] as const) {
        const files = Object.fromEntries(
          Object.entries(generatedWorkflows(config())).map(([name, workflow]) => [name, workflow.yaml]),
        );
        const root = writeRepository(label, files);
        findings.push(...actionlintFindings(root), ...zizmorFindings(root));
      }
    });

    test("every allow-list entry gives its reason", () => {
      for (const entry of allowList)
        expect({ entry: `${entry.tool}/${entry.rule}/${entry.file}`, reason: entry.reason.length > 20 }).toEqual({
          entry: `${entry.tool}/${entry.rule}/${entry.file}`,
          reason: true,
        });
    });

    test("every finding is fixed or allowed with its reason", () => {
      const unexplained = findings.filter((finding) => !allowList.some((entry) => allows(entry, finding)));
      expect(unexplained).toEqual([]);
    });

    test("every allow-list entry still matches a finding", () => {
      const stale = allowList.filter((entry) => !findings.some((finding) => allows(entry, finding)));
      expect(stale).toEqual([]);
    });

    test("fails when a workflow has a defect each linter knows: an unquoted variable in a script, an unpinned action", () => {
      // GIVEN: the shipped CI workflow, broken twice
      const files = Object.fromEntries(
        Object.entries(generatedWorkflows(shippedConfig())).map(([name, workflow]) => [name, workflow.yaml]),
      );
      files["ci.yml"] = files["ci.yml"]
        .replace(/uses: actions\/checkout@[0-9a-f]{40}.*/, "uses: actions/checkout@main")
        .replace("run: npm ci", "run: cd $RUNNER_TEMP && npm ci");
      const root = writeRepository("broken", files);

      // WHEN
      const found = [...actionlintFindings(root), ...zizmorFindings(root)].filter(
        (finding) => finding.file === "ci.yml",
      );

      // THEN
      expect(found).toContainEqual(
        expect.objectContaining({ tool: "actionlint", rule: "shellcheck", message: expect.stringContaining("SC2086") }),
      );
      expect(found).toContainEqual(expect.objectContaining({ tool: "zizmor", rule: "unpinned-uses" }));
    });
  },
);
