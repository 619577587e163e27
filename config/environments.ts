/**
 * The SOP's environment hierarchy (§1.1): the three environments every pipeline has, in promotion order,
 * and the defaults each one starts from before the config overrides them.
 */
export const ENVIRONMENT_NAMES = ["development", "staging", "production"] as const;

/** The name of one of the SOP's environments. */
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(value);
}

/** Days accepted in a deployment window, in cron order. */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
