export * from "./deployment-environment";
export * from "./environment-secrets";
export * from "./repository-governance";
