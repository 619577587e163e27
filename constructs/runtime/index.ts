export * from "./deployment-strategy";
export * from "./docker-host";
export * from "./service-deployment";
export * from "./release-inputs";
export * from "./nginx-config";
export * from "./from-config";
