import type { Edge, Node } from "@xyflow/react";
import type { JourneyDefinition, JourneyNode } from "../definition";

export type NodeCounts = { entered: number; waiting: number; exited: number; goal?: number };
export type NodeHighlight = "added" | "removed" | "changed";
/** A mistake in the definition, named like the API's error fields (`nodes.email.next`). */
export type Problem = { field: string; message: string };

type StepData = {
  node: JourneyNode;
  start: boolean;
  /** The ways out (their paths) drawn as edges: those edges bear their names (LabelledEdge). */
  connected?: string[];
  problems?: string[];
  counts?: NodeCounts;
  highlight?: NodeHighlight;
};
type TriggerData = { definition: JourneyDefinition; problems?: string[] };

export type StepFlowNode = Node<StepData, "step">;
export type TriggerFlowNode = Node<TriggerData, "trigger">;
export type FlowNode = StepFlowNode | TriggerFlowNode;
/** An edge's `sourceHandle` is the field of its source that holds the target; its label
 * goes on `labelRow` under that way out (0 the highest), clear of its neighbours' labels. */
export type FlowEdge = Edge<{ dangling?: boolean; labelRow?: number }>;
