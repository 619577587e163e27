import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, describeWhen, readTree, temporaryDirectory } from "../helpers";

const SCRIPT = path.join(PROJECT_ROOT, "scripts", "generate-grafana-bindings.js");
/** The provider schema lives beside the project (not copied into it); without it there is nothing to compare. */
const SCHEMA = path.resolve(PROJECT_ROOT, "../shared/schemas/grafana-provider.schema.json");
const describeWithSchema = describeWhen(
  fs.existsSync(SCHEMA),
  `the Grafana bindings are not compared with their schema: ${SCHEMA} is missing (the project's shared/ folder belongs beside the clone)`,
);

function generate(schema: string, outdir: string) {
  const result = spawnSync(process.execPath, [SCRIPT, schema, outdir], {
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describeWithSchema("the Grafana provider bindings", () => {
  test("gen/providers/grafana is exactly what the script generates from the provider schema (never edited by hand)", () => {
    // GIVEN / WHEN
    const outdir = path.join(temporaryDirectory("grafana-bindings"), "grafana");
    const result = generate(SCHEMA, outdir);

    // THEN
    expect(result.status).toBe(0);
    const generated = readTree(outdir);
    expect(Object.keys(generated).sort()).toEqual([
      "contact-point/index.ts",
      "dashboard/index.ts",
      "data-source/index.ts",
      "folder/index.ts",
      "message-template/index.ts",
      "notification-policy/index.ts",
      "provider/index.ts",
      "rule-group/index.ts",
    ]);
    expect(readTree(path.join(PROJECT_ROOT, "gen", "providers", "grafana"))).toEqual(generated);
  });

  test("every generated file says it is generated and by which command, pins the provider, and names no registry host", () => {
    for (const [file, text] of Object.entries(readTree(path.join(PROJECT_ROOT, "gen", "providers", "grafana")))) {
      expect([file, text.split("\n")[0]]).toEqual([
        file,
        "// GENERATED FILE, do not edit: npm run generate:grafana -- <schema.json>",
      ]);
      expect([file, /https?:\/\/registry\./.test(text)]).toEqual([file, false]);
    }
    expect(
      fs.readFileSync(path.join(PROJECT_ROOT, "gen", "providers", "grafana", "rule-group", "index.ts"), "utf8"),
    ).toContain("providerVersionConstraint: '4.45.1'");
  });

  test("fails when the schema lacks a resource the project uses, naming it", () => {
    // GIVEN a schema without grafana_rule_group
    const schema = JSON.parse(fs.readFileSync(SCHEMA, "utf8"));
    const provider =
      schema.provider_schemas[Object.keys(schema.provider_schemas).find((key) => key.endsWith("grafana/grafana"))!];
    delete provider.resource_schemas.grafana_rule_group;
    const dir = temporaryDirectory("grafana-bindings");
    fs.writeFileSync(path.join(dir, "schema.json"), JSON.stringify(schema));

    // WHEN
    const result = generate(path.join(dir, "schema.json"), path.join(dir, "out"));

    // THEN nothing is written and the message names the resource
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("has no resource grafana_rule_group");
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
  });
});

describe("the binding generator", () => {
  test("fails when the schema file does not exist, saying what to pass", () => {
    const result = generate(
      path.join(temporaryDirectory("grafana-bindings"), "missing.json"),
      path.join(temporaryDirectory("grafana-bindings"), "out"),
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /cannot read the provider schema .*missing\.json \(ENOENT\); pass the path of `terraform providers schema -json` output/,
    );
  });
});
