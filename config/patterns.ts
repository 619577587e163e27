/**
 * Checks a branch or tag pattern as GitHub uses it in deployment branch policies and workflow filters:
 * a git ref name (git check-ref-format) in which `*` and `**` may stand for parts of it.
 * Returns the reason it is invalid, or undefined when it is valid.
 */
export function invalidRefPatternReason(pattern: string): string | undefined {
  if (pattern.length === 0) return "is empty";
  if (pattern.length > 255) return "is longer than 255 characters";
  if (/\s/.test(pattern)) return "contains whitespace";
  if (/[~^:\\?[\]]/.test(pattern)) return "contains one of ~ ^ : \\ ? [ ], which git does not allow in ref names";
  if (pattern.startsWith("refs/")) return "starts with refs/; give the short name (main, v*, hotfix/*)";
  if (pattern.startsWith("/") || pattern.endsWith("/")) return "starts or ends with /";
  if (pattern.includes("//")) return "contains //";
  if (pattern.includes("..")) return "contains ..";
  if (pattern.includes("@{")) return "contains @{";
  if (pattern === "@") return "is @";
  if (pattern.endsWith(".") || pattern.endsWith(".lock")) return "ends with . or .lock";
  if (pattern.split("/").some((part) => part.startsWith("."))) return "has a path component starting with .";
  if (/\*{3,}/.test(pattern)) return "contains ***; use * (one path component) or ** (any depth)";
  return undefined;
}

/**
 * Does a GitHub-style glob (`*` within one path component, `**` across components) match a ref name?
 * Used to check, at synth, that patterns in the config agree with each other.
 */
export function refPatternMatches(pattern: string, ref: string): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (char === "*") {
      source += "[^/]*";
    } else {
      source += char.replace(/[.+()|{}$]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`).test(ref);
}
