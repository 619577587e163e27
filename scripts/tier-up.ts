import * as v8 from "v8";

/**
 * V8's interrupt budget for the app: how much bytecode a function runs before V8 considers optimising it; about three
 * times V8's default (67,584). A synth is one short pass over the config: at a higher budget V8 optimises fewer of
 * the functions that are nearly done by then, and still the loops that run longest. Measured from the startup
 * snapshot on the machine the README's Performance section names: 5–8 % less wall time both for the shipped config
 * and for 50 applications. Budgets of 131,072 to 393,216 did about as well; lower budgets, or no optimisation at
 * all (--no-opt), did worse.
 */
export const INTERRUPT_BUDGET = 196608;

/** A flag that sets the budget, as V8 spells it (dashes or underscores, with or without a value). */
const BUDGET_FLAG = /^--interrupt[-_]budget(?:=|$)/;

/**
 * Sets the app's interrupt budget, unless the process was started with one (`node --interrupt-budget=…` or in
 * `NODE_OPTIONS`), which then stays as given. Set at run time, not on the command line: a startup snapshot refuses
 * to load under command-line V8 flags other than those it was built with, and every way of starting the app
 * (cdktf.json, npm scripts, the bench) would have to repeat them. A flag set at run time changes neither that check
 * nor V8's check of the bundle's code cache. The app calls it first thing; a library user's process is left alone.
 */
export function tuneTierUp(argv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ""): boolean {
  if ([...argv, ...nodeOptions.split(/\s+/)].some((arg) => BUDGET_FLAG.test(arg))) return false;
  v8.setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
  return true;
}
