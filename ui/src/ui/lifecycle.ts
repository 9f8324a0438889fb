import { capitalised } from "./text";

/** The lifecycle stages a journey may be tagged with (baton/journeys/definitions.py), in order. */
export const STAGES = ["awareness", "consideration", "conversion", "retention", "advocacy"] as const;

/** "retention" → "Retention"; a stage this console does not know keeps its own name. */
export function stageLabel(stage: string): string {
  return capitalised(stage);
}
