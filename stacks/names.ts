/** A prefix names a pipeline's stacks and its artifact directory: letters, digits and dashes. */
const PREFIX_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** The name of one of a pipeline's stacks: `<prefix>-<name>`, or `<name>` without a prefix. */
export function pipelineStackName(prefix: string | undefined, name: string): string {
  if (prefix === undefined) return name;
  if (!PREFIX_PATTERN.test(prefix) || prefix === "stacks") {
    throw new Error(
      `pipeline prefix ${JSON.stringify(prefix)} is not usable as a stack name and folder — fix: use letters, digits and dashes, starting and ending with a letter or digit, and not "stacks" (e.g. "team-b")`,
    );
  }
  return `${prefix}-${name}`;
}
