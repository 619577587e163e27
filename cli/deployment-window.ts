/** The production deployment window at run time (SOP §4.2), judged by the same rule as the config's release-schedule check. */
import type { DeploymentWindow } from "../config/types";
import { insideDeploymentWindow, localWeekdayAndTime } from "../config/workflows-schema";

export interface WindowVerdict {
  readonly inside: boolean;
  /** The instant in the window's time zone, e.g. "tue 08:15 Europe/Berlin". */
  readonly local: string;
  /** The window, e.g. "tue, wed, thu 07:00–10:00 UTC". */
  readonly window: string;
}

export function judgeDeploymentWindow(window: DeploymentWindow, instant: Date): WindowVerdict {
  const { day, time } = localWeekdayAndTime(instant, window.timezone);
  return {
    inside: insideDeploymentWindow(window, day, time),
    local: `${day} ${time} ${window.timezone}`,
    window: `${window.days.join(", ")} ${window.start}–${window.end} ${window.timezone}`,
  };
}
