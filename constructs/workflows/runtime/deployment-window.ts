/** The production deployment window at run time (SOP §4.2), judged by the same rule as the config's release-schedule check. */
import type { Weekday } from "../../../config/environments";
import type { DeploymentWindow } from "../../../config/types";
import { insideDeploymentWindow } from "../../../config/workflows-schema";

export interface WindowVerdict {
  readonly inside: boolean;
  /** The instant in the window's time zone, e.g. "tue 08:15 Europe/Berlin". */
  readonly local: string;
  /** The window, e.g. "tue, wed, thu 07:00–10:00 UTC". */
  readonly window: string;
}

export function judgeDeploymentWindow(window: DeploymentWindow, instant: Date): WindowVerdict {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone: window.timezone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  const day = parts.weekday.toLowerCase() as Weekday;
  const time = `${parts.hour}:${parts.minute}`;
  return {
    inside: insideDeploymentWindow(window, day, time),
    local: `${day} ${time} ${window.timezone}`,
    window: `${window.days.join(", ")} ${window.start}–${window.end} ${window.timezone}`,
  };
}
