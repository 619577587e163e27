/**
 * Calling one generated workflow from another (CI from deploy and hotfix, deploy from hotfix). A caller must
 * grant at least the permissions of every job it calls, and passes exactly the secrets the callee declares.
 */
import { secretExpression } from "./pipeline-secrets";
import type { CallJob, PermissionLevel, PermissionScope, Permissions, Workflow } from "./workflows-model";

const RANK: Record<PermissionLevel, number> = { none: 0, read: 1, write: 2 };

/** The least permissions that cover every job of a workflow; a job calling another workflow already carries its callee's. */
export function workflowPermissions(workflow: Workflow): Permissions {
  const union: Partial<Record<PermissionScope, PermissionLevel>> = {};
  for (const job of Object.values(workflow.jobs)) {
    for (const [scope, level] of Object.entries(job.permissions) as Array<[PermissionScope, PermissionLevel]>) {
      if (RANK[level] > RANK[union[scope] ?? "none"]) union[scope] = level;
    }
  }
  return union;
}

export interface CallOptions {
  readonly name: string;
  readonly needs?: readonly string[];
  readonly if?: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
}

/** A job calling a workflow of the same repository with the permissions and secrets it needs. */
export function callWorkflow(workflow: Workflow, options: CallOptions): CallJob {
  if (!workflow.on.workflowCall)
    throw new Error(`${workflow.fileName} is not reusable: it has no workflow_call trigger`);
  const declared = Object.keys(workflow.on.workflowCall.secrets ?? {});
  return {
    name: options.name,
    needs: options.needs,
    if: options.if,
    permissions: workflowPermissions(workflow),
    uses: `./.github/workflows/${workflow.fileName}`,
    with: options.with,
    secrets:
      declared.length > 0 ? Object.fromEntries(declared.map((name) => [name, secretExpression(name)])) : undefined,
  };
}
