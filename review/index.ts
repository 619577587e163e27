export { reviewPlan, type ReviewOptions } from "./review";
export { renderReviewMarkdown, type RenderOptions } from "./render-markdown";
export { diffSynthesizedApps } from "./plan-diff";
export { readSynthesizedApp } from "./synthesize-source";
export * from "./plan-model";
export { plannedInstances, type PlannedInstance } from "./instances";
