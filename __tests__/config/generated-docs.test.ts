import * as fs from "fs";
import * as path from "path";
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchema, renderConfigJsonSchema } from "../../config/json-schema";
import { readmeWithPipelineDiagram } from "../../config/readme-diagram";
import { CONFIG_REFERENCE_FILE, renderConfigReference } from "../../config/reference";
import { PROJECT_ROOT, shippedConfig } from "../helpers";

describe("files generated from the config schema", () => {
  test("pipeline.config.schema.json is current (run `npm run docs` after changing config/)", () => {
    const checkedIn = fs.readFileSync(path.join(PROJECT_ROOT, CONFIG_JSON_SCHEMA_FILE), "utf8");
    expect(checkedIn).toBe(renderConfigJsonSchema());
  });

  test("docs/config-reference.md is current (run `npm run docs` after changing config/)", () => {
    const checkedIn = fs.readFileSync(path.join(PROJECT_ROOT, CONFIG_REFERENCE_FILE), "utf8");
    expect(checkedIn).toBe(renderConfigReference());
  });

  test("the README shows the pipeline diagram of the shipped config (run `npm run docs` after changing it)", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    expect(readme).toBe(readmeWithPipelineDiagram(readme, shippedConfig()));
    expect(readme).toMatch(
      /<!-- pipeline-diagram:start -->\n```mermaid\nflowchart TD\n[\s\S]*production_deploy\["deploy web<br>canary: 5% → 25% → 50% → 100%"\][\s\S]*```\n<!-- pipeline-diagram:end -->/,
    );
  });

  test("the JSON Schema rejects unknown keys and knows the environments, as the zod schema does", () => {
    const schema = configJsonSchema() as any;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(["repository", "applications", "monitoring"]));
    expect(Object.keys(schema.properties.environments.properties)).toEqual(["development", "staging", "production"]);
    expect(schema.properties.environments.additionalProperties).toBe(false);
  });

  test("the config reference documents every environment setting with its SOP section", () => {
    const reference = renderConfigReference();
    expect(reference).toContain("| `environments.<env>.reviewers` |");
    expect(reference).toMatch(/\| `environments\.<env>\.deploymentWindow` \|.*\| §4\.2 \|/);
    expect(reference).toContain("| `WTFB_PRODUCTION_DOCKER_HOST` |");
  });
});
