import { z } from "zod";
import { pipelineConfigSchema } from "./schema";

/** Path of the checked-in JSON Schema, relative to the project root (editors autocomplete the config with it). */
export const CONFIG_JSON_SCHEMA_FILE = "pipeline.config.schema.json";

/** The JSON Schema of `pipeline.config.json`, generated from the zod schema: what a user may write (input side). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(pipelineConfigSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    title: "wtfb-deploy pipeline config",
    description:
      "The WTFB Deployment Process SOP as a pipeline config. Generated from config/schema.ts by `npm run docs`; do not edit.",
  };
}

/** The JSON Schema as the text of the checked-in file. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
