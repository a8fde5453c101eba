/**
 * The cluster-autoscaler for Hetzner: node groups and cluster config (`autoscalerConfig.ts`) and the objects that
 * run it (`autoscalerObjects.ts`). One import for the shell.
 */
export * from "./autoscalerConfig";
export * from "./autoscalerObjects";
