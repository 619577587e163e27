/**
 * `npm run review -- --base <git-ref> [--head <git-ref>] [--output <file>] [--max-length <characters>]
 *   [--full-output <file>] [--full-report-url <url>] [--no-cache]`
 * Prints a Markdown review of what the change does to every stack, synthesized offline without credentials.
 * With --max-length, every stack keeps its share and the cuts link --full-report-url; --full-output also writes the
 * uncut report. Exit 0 with a report (also when the base cannot be synthesized: the report says so), 1 when the
 * head cannot be synthesized, 2 on a usage error or a ref that is no commit of the repository.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { renderReviewMarkdown } from "../review/render-markdown";
import { defaultReviewCache, reviewPlan } from "../review/review";

const USAGE =
  "usage: npm run review -- --base <git-ref> [--head <git-ref>] [--output <file>] [--max-length <characters>] [--full-output <file>] [--full-report-url <url>] [--no-cache]";

interface Arguments {
  readonly base: string;
  readonly head?: string;
  readonly output?: string;
  readonly maxLength?: number;
  readonly fullOutput?: string;
  readonly fullReportUrl?: string;
  readonly noCache: boolean;
}

function parseArguments(argv: readonly string[]): Arguments | string {
  const values: Record<string, string> = {};
  let noCache = false;
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === "--no-cache") {
      noCache = true;
      continue;
    }
    const match = /^--(base|head|output|max-length|full-output|full-report-url)(?:=(.*))?$/.exec(argv[index]);
    if (!match) return `unknown argument ${argv[index]}`;
    const value = match[2] ?? argv[++index];
    if (value === undefined || value === "") return `--${match[1]} needs a value`;
    values[match[1]] = value;
  }
  if (!values.base) return "--base is required";
  const maxLength = values["max-length"] === undefined ? undefined : Number(values["max-length"]);
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 1000))
    return "--max-length must be a whole number of characters, at least 1000";
  if (values["full-report-url"] !== undefined && !/^https?:\/\/\S+$/.test(values["full-report-url"]))
    return "--full-report-url must be an http(s) URL";
  return {
    base: values.base,
    head: values.head,
    output: values.output,
    maxLength,
    fullOutput: values["full-output"],
    fullReportUrl: values["full-report-url"],
    noCache,
  };
}

/** Why a ref is no commit here, or undefined when it is one: a review against nothing would report everything as added. */
function missingCommit(ref: string): string | undefined {
  if (ref.startsWith("-")) return `${JSON.stringify(ref)} is not a git ref`;
  const result = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { encoding: "utf8" });
  if (result.error) return `git is not available to look up ${ref}: ${result.error.message}`;
  if (result.status === 0) return undefined;
  const inside = spawnSync("git", ["rev-parse", "--is-inside-work-tree"], { encoding: "utf8" });
  if (inside.status !== 0)
    return `${process.cwd()} is not inside a git repository, so there is no ${ref} to compare with`;
  return `${ref} is not a commit in this repository: check the name, or in a shallow clone (CI) fetch it first, e.g. \`git fetch --depth=1 origin ${ref}\``;
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  if (typeof args === "string") {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  for (const [option, ref] of [
    ["--base", args.base],
    ["--head", args.head],
  ] as const) {
    const problem = ref === undefined ? undefined : missingCommit(ref);
    if (problem) {
      console.error(`${option}: ${problem}`);
      return 2;
    }
  }
  const cache = args.noCache ? false : defaultReviewCache(process.cwd());
  const review = await reviewPlan({ base: args.base, head: args.head, cache });
  for (const side of [review.base, review.head]) {
    if (side.synthesized && side.cached) {
      console.error(
        `${side.label} (${side.commit?.slice(0, 7)}): read from the review cache in ${cache}, as an earlier review synthesized it with the same dependencies, Node and environment; --no-cache synthesizes it again`,
      );
    }
  }
  const command = `npm run review -- --base ${args.base}${args.head ? ` --head ${args.head}` : ""}`;
  const markdown = renderReviewMarkdown(review, {
    maxLength: args.maxLength,
    command,
    fullReportUrl: args.fullReportUrl,
  });
  if (args.fullOutput) fs.writeFileSync(args.fullOutput, renderReviewMarkdown(review, { command }));
  if (args.output) fs.writeFileSync(args.output, markdown);
  else process.stdout.write(markdown);
  if (!review.head.synthesized) {
    console.error(`${review.head.label} could not be synthesized:\n${review.head.reason}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(`review failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  },
);
