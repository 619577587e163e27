import { unifiedDiff } from "../../review/text-diff";

/** Applies unified hunks to a text, checking every context and removed line against it. */
function applyHunks(before: string, hunks: string): string {
  const source = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const result: string[] = [];
  let next = 0;
  const lines = hunks === "" ? [] : hunks.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const header = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[index]);
    if (!header) throw new Error(`expected a hunk header, got ${lines[index]}`);
    const start = Number(header[2]) === 0 ? Number(header[1]) : Number(header[1]) - 1;
    result.push(...source.slice(next, start));
    next = start;
    while (index + 1 < lines.length && !lines[index + 1].startsWith("@@")) {
      const line = lines[++index];
      if (line.startsWith("+")) result.push(line.slice(1));
      else {
        expect(source[next]).toBe(line.slice(1));
        if (line.startsWith(" ")) result.push(source[next]);
        next++;
      }
    }
  }
  result.push(...source.slice(next));
  return result.length === 0 ? "" : `${result.join("\n")}\n`;
}

/** Length of the longest common subsequence: a shortest edit removes and adds exactly the other lines. */
function lcsLength(a: string[], b: string[]): number {
  const row = new Array(b.length + 1).fill(0);
  for (const line of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = line === b[j - 1] ? diagonal + 1 : Math.max(row[j], row[j - 1]);
      diagonal = above;
    }
  }
  return row[b.length];
}

function pseudoRandomLines(count: number, seed: number): string[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return `line ${state % 5}`;
  });
}

describe("unified diff", () => {
  test("equal texts have no hunks", () => {
    // WHEN
    const diff = unifiedDiff("a\nb\n", "a\nb\n");
    // THEN
    expect(diff).toEqual({ text: "", addedLines: 0, removedLines: 0 });
  });

  test("changes far apart make separate hunks with three lines of context, as diff -u does", () => {
    // GIVEN
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
    const after = before.replace("line 2\n", "line two\n").replace("line 18\n", "");
    // WHEN
    const diff = unifiedDiff(before, after);
    // THEN
    expect(diff.text).toBe(
      [
        "@@ -1,5 +1,5 @@",
        " line 1",
        "-line 2",
        "+line two",
        " line 3",
        " line 4",
        " line 5",
        "@@ -15,6 +15,5 @@",
        " line 15",
        " line 16",
        " line 17",
        "-line 18",
        " line 19",
        " line 20",
      ].join("\n"),
    );
    expect(diff).toMatchObject({ addedLines: 1, removedLines: 2 });
  });

  test("a text added from nothing is one hunk starting at line 0 of the old side", () => {
    // WHEN
    const diff = unifiedDiff("", "a\nb\n");
    // THEN
    expect(diff.text).toBe("@@ -0,0 +1,2 @@\n+a\n+b");
  });

  test("for many generated pairs, the hunks turn the old text into the new one with the fewest changed lines", () => {
    for (let seed = 1; seed <= 200; seed++) {
      // GIVEN
      const a = pseudoRandomLines(seed % 13, seed);
      const b = pseudoRandomLines((seed * 7) % 17, seed * 31);
      const before = a.length ? `${a.join("\n")}\n` : "";
      const after = b.length ? `${b.join("\n")}\n` : "";
      // WHEN
      const diff = unifiedDiff(before, after);
      // THEN
      expect(applyHunks(before, diff.text)).toBe(after);
      const common = lcsLength(a, b);
      expect(diff.removedLines).toBe(a.length - common);
      expect(diff.addedLines).toBe(b.length - common);
    }
  });
});
