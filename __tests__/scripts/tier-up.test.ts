import { INTERRUPT_BUDGET, tuneTierUp } from "../../scripts/tier-up";

// The module object itself, which tier-up reads through: an `import * as` copy cannot be spied on.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const v8 = require("v8") as typeof import("v8");

describe("tuneTierUp", () => {
  let setFlags: jest.SpyInstance;
  beforeEach(() => {
    // Recorded, not applied: the test process keeps V8's own budget.
    setFlags = jest.spyOn(v8, "setFlagsFromString").mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  test("sets the app's interrupt budget when the process was started without one", () => {
    expect(tuneTierUp(["--snapshot-blob", "dist/app.snapshot.blob"], "--max-old-space-size=4096")).toBe(true);
    expect(setFlags.mock.calls).toEqual([[`--interrupt-budget=${INTERRUPT_BUDGET}`]]);
    expect(INTERRUPT_BUDGET).toBeGreaterThan(67584);
  });

  test.each([
    ["on the command line", ["--interrupt-budget=50000"], ""],
    ["on the command line, with underscores", ["--interrupt_budget=50000"], ""],
    ["on the command line, its value the next argument", ["--interrupt-budget", "50000"], ""],
    ["in NODE_OPTIONS", [], "--max-old-space-size=4096 --interrupt-budget=50000"],
  ])("leaves a budget given %s as it is", (_where, argv, nodeOptions) => {
    expect(tuneTierUp(argv, nodeOptions)).toBe(false);
    expect(setFlags).not.toHaveBeenCalled();
  });

  test("another flag whose name starts the same is not a budget", () => {
    expect(tuneTierUp(["--interrupt-budget-for-feedback-allocation=940"], "")).toBe(true);
    expect(setFlags).toHaveBeenCalledTimes(1);
  });
});
