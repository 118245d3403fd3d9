/** What happened; drawn with its own mark on every time chart in scope. No imports: the browser bundle reads this. */
export const ANNOTATION_KINDS = ["deploy", "cache_warmup", "model_rollout", "incident", "note"] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

/** Where an annotation applies: everywhere, or one cache cluster, training job or model. */
export const ANNOTATION_SCOPES = ["global", "cluster", "job", "model"] as const;
export type AnnotationScope = (typeof ANNOTATION_SCOPES)[number];

export const ANNOTATION_KIND_LABELS: Record<AnnotationKind, string> = {
  deploy: "Deploy",
  cache_warmup: "Cache warm-up",
  model_rollout: "Model rollout",
  incident: "Incident",
  note: "Note",
};

export const ANNOTATION_SCOPE_LABELS: Record<AnnotationScope, string> = {
  global: "Everywhere",
  cluster: "Cache cluster",
  job: "Training job",
  model: "Model",
};
