import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { PipelineConfig } from "../../../config/types";
import { pipelineWorkflows } from "../../../constructs/workflows/pipeline-workflows";
import { renderWorkflow } from "../../../constructs/workflows/render";
import type { Workflow } from "../../../constructs/workflows/workflows-model";

export interface GeneratedWorkflow {
  readonly model: Workflow;
  readonly yaml: string;
  /** The YAML parsed back: what GitHub reads. */
  readonly parsed: any;
}

/** Every workflow of a config, by file name, rendered and parsed back. */
export function generatedWorkflows(config: PipelineConfig): Record<string, GeneratedWorkflow> {
  return Object.fromEntries(
    pipelineWorkflows(config).map((model) => {
      const yaml = renderWorkflow(model);
      return [model.fileName, { model, yaml, parsed: parse(yaml) }];
    }),
  );
}

export interface Diagnostic {
  readonly message: string;
  /** 1 error, 2 warning, 3 information, 4 hint (the LSP's numbering). */
  readonly severity: number;
  readonly line: number;
}

/** Runs GitHub's workflow parser and validator (@actions/languageservice) on a set of workflow files. */
export function validateWithGitHub(files: Record<string, string>): Record<string, Diagnostic[]> {
  const here = __dirname;
  const result = spawnSync(
    process.execPath,
    ["--import", path.join(here, "json-import-hook.mjs"), path.join(here, "validate-workflows.mjs")],
    {
      input: JSON.stringify(files),
      encoding: "utf8",
      cwd: path.resolve(here, "../../.."),
    },
  );
  if (result.status !== 0) throw new Error(`the validator crashed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Every step of every runner job, with where it is. */
/** The status checks a CI run reports: each job's name, once per matrix entry with its values filled in. */
export function checkNames(workflow: any): string[] {
  return Object.values<any>(workflow.jobs)
    .filter((job) => job.name !== "Collect the built versions")
    .flatMap((job) =>
      job.strategy
        ? job.strategy.matrix.include.map((entry: Record<string, string>) =>
            job.name.replace(/\$\{\{ matrix\.([\w-]+) \}\}/g, (_: string, key: string) => entry[key]),
          )
        : [job.name],
    );
}

export function allSteps(parsed: any): Array<{ job: string; step: any }> {
  return Object.entries<any>(parsed.jobs).flatMap(([job, definition]) =>
    (definition.steps ?? []).map((step: any) => ({ job, step })),
  );
}

/** The index of the step with this id in a job, failing loudly when it is missing. */
export function stepIndex(job: any, id: string): number {
  const index = job.steps.findIndex((step: any) => step.id === id);
  if (index < 0) throw new Error(`no step ${id}; ids: ${job.steps.map((step: any) => step.id).join(", ")}`);
  return index;
}

export function stepById(job: any, id: string): any {
  return job.steps[stepIndex(job, id)];
}

export function stepByName(job: any, name: RegExp): any {
  const step = job.steps.find((candidate: any) => name.test(candidate.name));
  if (!step) throw new Error(`no step named like ${name}`);
  return step;
}

export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the script wrote to $GITHUB_OUTPUT, as name → value (multi-line values included). */
  readonly outputs: Record<string, string>;
  /** What the script wrote to $GITHUB_STEP_SUMMARY. */
  readonly summary: string;
}

/** Runs a generated `run:` script with bash as a runner would (-e -o pipefail), with GITHUB_OUTPUT and RUNNER_TEMP set. */
export function runScript(
  script: string,
  options: { env?: Record<string, string>; cwd?: string; pathPrepend?: string } = {},
): ScriptRun {
  // The module object itself, whose tmpdir the test setup points at the test file's own folder.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const temp = fs.mkdtempSync(path.join(require("os").tmpdir(), "wtfb-script-"));
  const output = path.join(temp, "github-output");
  const summary = path.join(temp, "summary.md");
  fs.writeFileSync(output, "");
  fs.writeFileSync(summary, "");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd: options.cwd ?? temp,
    encoding: "utf8",
    env: {
      PATH: `${options.pathPrepend ? `${options.pathPrepend}:` : ""}${process.env.PATH}`,
      HOME: temp,
      RUNNER_TEMP: temp,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      ...options.env,
    },
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseOutputs(fs.readFileSync(output, "utf8")),
    summary: fs.readFileSync(summary, "utf8"),
  };
}

function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], index + 1);
      outputs[heredoc[1]] = lines.slice(index + 1, end).join("\n");
      index = end;
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}
