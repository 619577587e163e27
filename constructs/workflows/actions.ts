/**
 * Every third-party action the workflows use, pinned to the full commit SHA of a release (GitHub's hardening
 * guide: a tag can be moved, a SHA cannot). Update a row by looking up the release's commit, e.g.
 * `git ls-remote --tags https://github.com/actions/checkout v7.0.1`, never by typing a SHA.
 */
import type { ActionReference } from "./workflows-model";

export const ACTIONS = {
  checkout: { repository: "actions/checkout", sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", version: "v7.0.1" },
  setupNode: { repository: "actions/setup-node", sha: "820762786026740c76f36085b0efc47a31fe5020", version: "v7.0.0" },
  uploadArtifact: {
    repository: "actions/upload-artifact",
    sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
    version: "v7.0.0",
  },
  downloadArtifact: {
    repository: "actions/download-artifact",
    sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
    version: "v8.0.1",
  },
  setupTerraform: {
    repository: "hashicorp/setup-terraform",
    sha: "dfe3c3f87815947d99a8997f908cb6525fc44e9e",
    version: "v4.0.1",
  },
  setupBuildx: {
    repository: "docker/setup-buildx-action",
    sha: "37fe631027851001ddb9b187196cc803df7f5f0e",
    version: "v4.3.0",
  },
  dockerLogin: {
    repository: "docker/login-action",
    sha: "4907a6ddec9925e35a0a9e82d7399ccc52663121",
    version: "v4.1.0",
  },
  buildPush: {
    repository: "docker/build-push-action",
    sha: "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a",
    version: "v7.3.0",
  },
  sentryRelease: {
    repository: "getsentry/action-release",
    sha: "ff07929a6537bac57790c3451cf4d364aca38528",
    version: "v3.7.0",
  },
} as const satisfies Record<string, ActionReference>;
