/** Line diffs of documents (workflow YAML, dashboard JSON, artifacts) in unified format, as `git diff` shows them. */

export interface UnifiedDiff {
  /** Hunks with `@@ -a,b +c,d @@` headers; empty when the texts are equal. */
  readonly text: string;
  readonly addedLines: number;
  readonly removedLines: number;
}

type Operation = { readonly kind: " " | "-" | "+"; readonly line: string };

/** Unified diff of two texts with `context` unchanged lines around each change. */
export function unifiedDiff(before: string, after: string, context = 3): UnifiedDiff {
  const operations = diffLines(splitLines(before), splitLines(after));
  const addedLines = operations.filter((op) => op.kind === "+").length;
  const removedLines = operations.filter((op) => op.kind === "-").length;
  return { text: formatHunks(operations, context), addedLines, removedLines };
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Edit distance beyond which two texts are shown as a full replacement rather than searched further. */
const MAX_EDIT_DISTANCE = 4000;

/** Myers' O((N+M)·D) shortest edit script, so large documents with small changes stay cheap. */
function diffLines(a: readonly string[], b: readonly string[]): Operation[] {
  const max = a.length + b.length;
  const offset = max + 1;
  const frontier = new Int32Array(2 * max + 3);
  // trace[d] holds the frontier before step d, for diagonals -d-1 … d+1 only (memory grows with D², not D·N).
  const trace: Int32Array[] = [];
  let found = max === 0;
  for (let d = 0; d <= Math.min(max, MAX_EDIT_DISTANCE) && !found; d++) {
    trace.push(frontier.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && frontier[offset + k - 1] < frontier[offset + k + 1])
          ? frontier[offset + k + 1]
          : frontier[offset + k - 1] + 1;
      let y = x - k;
      while (x < a.length && y < b.length && a[x] === b[y]) {
        x++;
        y++;
      }
      frontier[offset + k] = x;
      if (x >= a.length && y >= b.length) {
        found = true;
        break;
      }
    }
  }
  if (!found)
    return [...a.map((line) => ({ kind: "-" as const, line })), ...b.map((line) => ({ kind: "+" as const, line }))];

  // Walk the trace backwards from the end to recover the edit script.
  const operations: Operation[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const previous = (k: number) => trace[d][k + d + 1];
    const k = x - y;
    const previousK = k === -d || (k !== d && previous(k - 1) < previous(k + 1)) ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : previous(previousK);
    const previousY = d === 0 ? 0 : previousX - previousK;
    while (x > previousX && y > previousY) {
      operations.push({ kind: " ", line: a[--x] });
      y--;
    }
    if (d > 0) {
      if (x === previousX) operations.push({ kind: "+", line: b[--y] });
      else operations.push({ kind: "-", line: a[--x] });
    }
  }
  return operations.reverse();
}

function formatHunks(operations: readonly Operation[], context: number): string {
  const changed = operations.map((op, index) => (op.kind === " " ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return "";
  // Group changes whose context windows touch into one hunk.
  const ranges: Array<[number, number]> = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(operations.length - 1, index + context);
    const last = ranges[ranges.length - 1];
    if (last && start <= last[1] + 1) last[1] = end;
    else ranges.push([start, end]);
  }
  // Line numbers (1-based) in each text at every operation.
  const beforeLine: number[] = [];
  const afterLine: number[] = [];
  let inBefore = 1;
  let inAfter = 1;
  for (const op of operations) {
    beforeLine.push(inBefore);
    afterLine.push(inAfter);
    if (op.kind !== "+") inBefore++;
    if (op.kind !== "-") inAfter++;
  }
  const out: string[] = [];
  for (const [start, end] of ranges) {
    const slice = operations.slice(start, end + 1);
    const beforeCount = slice.filter((op) => op.kind !== "+").length;
    const afterCount = slice.filter((op) => op.kind !== "-").length;
    const beforeStart = beforeCount === 0 ? beforeLine[start] - 1 : beforeLine[start];
    const afterStart = afterCount === 0 ? afterLine[start] - 1 : afterLine[start];
    out.push(`@@ -${beforeStart},${beforeCount} +${afterStart},${afterCount} @@`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
  }
  return out.join("\n");
}
