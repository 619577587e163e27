/** The few GitHub REST calls the deploy and rollback jobs make, over fetch (no gh CLI needed on the runner). */

export interface GitHubApiOptions {
  /** API base URL; Actions sets GITHUB_API_URL (GitHub Enterprise included). */
  readonly apiUrl: string;
  /** owner/name. */
  readonly repository: string;
  readonly token: string;
}

export class GitHubApi {
  constructor(private readonly options: GitHubApiOptions) {
    if (!options.token)
      throw new Error(
        "no GitHub token: set the secret DEPLOY_TOKEN on this GitHub environment (see docs/workflows.md for the permissions it needs)",
      );
  }

  /** An environment variable's value, or undefined when it is not set. */
  public async environmentVariable(environment: string, name: string): Promise<string | undefined> {
    const response = await this.request(
      "GET",
      `/environments/${encodeURIComponent(environment)}/variables/${encodeURIComponent(name)}`,
    );
    if (response.status === 404) return undefined;
    await this.expectOk(response, `read the variable ${name} of ${environment}`);
    return ((await response.json()) as { value: string }).value;
  }

  /** Creates or updates an environment variable. */
  public async setEnvironmentVariable(environment: string, name: string, value: string): Promise<void> {
    const path = `/environments/${encodeURIComponent(environment)}/variables`;
    const updated = await this.request("PATCH", `${path}/${encodeURIComponent(name)}`, { name, value });
    if (updated.status === 404) {
      await this.expectOk(
        await this.request("POST", path, { name, value }),
        `create the variable ${name} of ${environment}`,
      );
      return;
    }
    await this.expectOk(updated, `update the variable ${name} of ${environment}`);
  }

  /** Adds a status to the newest deployment of a commit to an environment (the one the job's `environment:` created). */
  public async addDeploymentStatus(
    environment: string,
    sha: string,
    status: {
      state: "success" | "failure" | "error" | "in_progress";
      description: string;
      logUrl: string;
      environmentUrl?: string;
    },
  ): Promise<boolean> {
    const list = await this.request("GET", `/deployments?${new URLSearchParams({ environment, sha, per_page: "1" })}`);
    await this.expectOk(list, `list the deployments of ${environment}`);
    const [deployment] = (await list.json()) as Array<{ id: number }>;
    if (!deployment) return false;
    const body = {
      state: status.state,
      description: status.description.slice(0, 140),
      log_url: status.logUrl,
      environment_url: status.environmentUrl,
      auto_inactive: status.state === "success",
    };
    await this.expectOk(
      await this.request("POST", `/deployments/${deployment.id}/statuses`, body),
      `add a status to deployment ${deployment.id}`,
    );
    return true;
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.options.apiUrl.replace(/\/+$/, "")}/repos/${this.options.repository}${path}`, {
      method,
      headers: {
        Accept: "application/vnd.github+json",
        Authorization: `Bearer ${this.options.token}`,
        "X-GitHub-Api-Version": "2022-11-28",
        ...(body ? { "Content-Type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  }

  private async expectOk(response: Response, what: string): Promise<void> {
    if (response.ok) return;
    const detail = ((await response.json().catch(() => ({}))) as { message?: string }).message;
    throw new Error(`could not ${what}: GitHub answered ${response.status}${detail ? ` (${detail})` : ""}`);
  }
}
