export * from "./alert-model";
export * from "./alert-rules";
export * from "./alert-routing";
export * from "./environment-dashboards";
export * from "./environment-monitoring";
export * from "./promql";
export * from "./from-config";
