/** Where a deploy or rollback is announced: Grafana annotations (a region from start to end) and the stakeholders' Slack channel. */

export interface Annotation {
  readonly timeMs: number;
  readonly timeEndMs?: number;
  readonly tags: readonly string[];
  readonly text: string;
}

export class Grafana {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Creates an annotation; returns its id. */
  public async createAnnotation(annotation: Annotation): Promise<number> {
    const body = {
      time: annotation.timeMs,
      ...(annotation.timeEndMs !== undefined ? { timeEnd: annotation.timeEndMs } : {}),
      tags: annotation.tags,
      text: annotation.text,
    };
    const response = await this.request("POST", "/api/annotations", body);
    return ((await response.json()) as { id: number }).id;
  }

  /** Closes the region an annotation opened, with the final tags and text. */
  public async updateAnnotation(id: number, annotation: Annotation): Promise<void> {
    await this.request("PATCH", `/api/annotations/${id}`, {
      time: annotation.timeMs,
      timeEnd: annotation.timeEndMs,
      tags: annotation.tags,
      text: annotation.text,
    });
  }

  private async request(method: string, path: string, body: unknown): Promise<Response> {
    const response = await fetch(`${this.baseUrl.replace(/\/+$/, "")}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        "Content-Type": "application/json",
        Accept: "application/json",
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    if (!response.ok) throw new Error(`Grafana answered ${response.status} to ${method} ${path}`);
    return response;
  }
}

/** Posts a message to a Slack incoming webhook. */
export async function postToSlack(webhookUrl: string, text: string): Promise<void> {
  const response = await fetch(webhookUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
    signal: AbortSignal.timeout(20_000),
  });
  if (!response.ok) throw new Error(`Slack answered ${response.status}`);
}
