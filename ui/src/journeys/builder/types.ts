import type { Edge, Node } from "@xyflow/react";
import type { JourneyDefinition, JourneyNode } from "../definition";

export type NodeCounts = { entered: number; waiting: number; exited: number; goal?: number };
export type NodeHighlight = "added" | "removed" | "changed";
/** A mistake in the definition, named like the API's error fields (`nodes.email.next`). */
export type Problem = { field: string; message: string };

type StepData = {
  node: JourneyNode;
  start: boolean;
  problems?: string[];
  counts?: NodeCounts;
  highlight?: NodeHighlight;
};
type TriggerData = { definition: JourneyDefinition; problems?: string[] };

export type StepFlowNode = Node<StepData, "step">;
export type TriggerFlowNode = Node<TriggerData, "trigger">;
export type FlowNode = StepFlowNode | TriggerFlowNode;
/** An edge's `sourceHandle` is the field of its source that holds the target. */
export type FlowEdge = Edge<{ dangling?: boolean }>;
