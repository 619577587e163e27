/**
 * Types for the foundation SDK's entry points under this project's `moduleResolution: node`, which does not read
 * package `exports`. Node resolves the same specifiers at run time through the package's exports map.
 */
declare module "@grafana/grafana-foundation-sdk/annotationslist" {
  export * from "@grafana/grafana-foundation-sdk/dist/annotationslist";
}
declare module "@grafana/grafana-foundation-sdk/bargauge" {
  export * from "@grafana/grafana-foundation-sdk/dist/bargauge";
}
declare module "@grafana/grafana-foundation-sdk/cog" {
  export * from "@grafana/grafana-foundation-sdk/dist/cog";
}
declare module "@grafana/grafana-foundation-sdk/common" {
  export * from "@grafana/grafana-foundation-sdk/dist/common";
}
declare module "@grafana/grafana-foundation-sdk/dashboard" {
  export * from "@grafana/grafana-foundation-sdk/dist/dashboard";
}
declare module "@grafana/grafana-foundation-sdk/prometheus" {
  export * from "@grafana/grafana-foundation-sdk/dist/prometheus";
}
declare module "@grafana/grafana-foundation-sdk/stat" {
  export * from "@grafana/grafana-foundation-sdk/dist/stat";
}
declare module "@grafana/grafana-foundation-sdk/timeseries" {
  export * from "@grafana/grafana-foundation-sdk/dist/timeseries";
}
