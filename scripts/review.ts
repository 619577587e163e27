/**
 * `npm run review -- --base <git-ref> [--head <git-ref>] [--output <file>] [--max-length <characters>] [--no-cache]`
 * Prints a Markdown review of what the change does to every stack, synthesized offline without credentials.
 * Exit 0 with a report (also when the base cannot be synthesized: the report says so), 1 when the head cannot be
 * synthesized, 2 on a usage error.
 */
import * as fs from "fs";
import { renderReviewMarkdown } from "../review/render-markdown";
import { defaultReviewCache, reviewPlan } from "../review/review";

const USAGE = "usage: npm run review -- --base <git-ref> [--head <git-ref>] [--output <file>] [--max-length <characters>] [--no-cache]";

interface Arguments {
  readonly base: string;
  readonly head?: string;
  readonly output?: string;
  readonly maxLength?: number;
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
    const match = /^--(base|head|output|max-length)(?:=(.*))?$/.exec(argv[index]);
    if (!match) return `unknown argument ${argv[index]}`;
    const value = match[2] ?? argv[++index];
    if (value === undefined || value === "") return `--${match[1]} needs a value`;
    values[match[1]] = value;
  }
  if (!values.base) return "--base is required";
  const maxLength = values["max-length"] === undefined ? undefined : Number(values["max-length"]);
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 1000)) return "--max-length must be a whole number of characters, at least 1000";
  return { base: values.base, head: values.head, output: values.output, maxLength, noCache };
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  if (typeof args === "string") {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  const cache = args.noCache ? false : defaultReviewCache(process.cwd());
  const review = await reviewPlan({ base: args.base, head: args.head, cache });
  for (const side of [review.base, review.head]) {
    if (side.synthesized && side.cached) {
      console.error(`${side.label} (${side.commit?.slice(0, 7)}): read from the review cache in ${cache}, as an earlier review synthesized it with the same dependencies, Node and environment; --no-cache synthesizes it again`);
    }
  }
  const command = `npm run review -- --base ${args.base}${args.head ? ` --head ${args.head}` : ""}`;
  const markdown = renderReviewMarkdown(review, { maxLength: args.maxLength, command });
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
