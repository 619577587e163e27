import {
  AzurermBackend,
  GcsBackend,
  LocalBackend,
  PgBackend,
  RemoteBackend,
  S3Backend,
  type PgBackendConfig,
  type TerraformStack,
} from "cdktf";
import type { BackendConfig } from "../config/types";

/**
 * Configures where a stack keeps its Terraform state. Local state lives at the project root
 * (terraform.<stack>.tfstate), written relative to the stack's directory cdktf.out/stacks/<stack> so the output
 * does not depend on the machine it was synthesized on.
 */
export function configureBackend(stack: TerraformStack, stackName: string, backend: BackendConfig): void {
  switch (backend.type) {
    case "local":
      new LocalBackend(stack, { path: `../../../${backend.path ?? `terraform.${stackName}.tfstate`}` });
      return;
    case "s3":
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        dynamodbTable: backend.dynamodbTable,
        encrypt: backend.encrypt,
      });
      return;
    case "gcs":
      new GcsBackend(stack, { bucket: backend.bucket, prefix: backend.prefix });
      return;
    case "azurerm":
      new AzurermBackend(stack, {
        resourceGroupName: backend.resourceGroupName,
        storageAccountName: backend.storageAccountName,
        containerName: backend.containerName,
        key: backend.key,
      });
      return;
    case "pg":
      // The connection string is a credential: the pg backend reads it from PG_CONN_STR at deploy time.
      new PgBackend(stack, { schemaName: backend.schemaName } as unknown as PgBackendConfig);
      return;
    case "remote":
      new RemoteBackend(stack, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: { name: backend.workspace },
      });
      return;
  }
}

/**
 * The warning for a stack whose state is a local file: a lost file is lost infrastructure. `field` is the config
 * field that names its backend.
 */
export function localStateWarning(stackName: string, field: string): string {
  return (
    `${stackName} keeps its Terraform state in a local file (terraform.${stackName}.tfstate): a lost local state file is lost infrastructure. ` +
    `Set ${field} to a remote backend (s3, gcs, azurerm, pg or remote).`
  );
}
