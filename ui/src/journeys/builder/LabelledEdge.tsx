import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type EdgeProps } from "@xyflow/react";
import type { FlowEdge } from "./types";

// How far below its way out an edge's label sits, and how much lower each row of labels
// (flowElements.ts, labelRows) goes.
const LABEL_DROP = 8;
const ROW_HEIGHT = 21;

/** A link between steps, its label (the way out it leaves by) just under that way out: in
 * the gap below the card it leaves, never under the card it goes to or on another label. */
export function LabelledEdge(props: EdgeProps<FlowEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, style, markerEnd, label, data, interactionWidth } = props;
  const [path] = getSmoothStepPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const top = sourceY + LABEL_DROP + (data?.labelRow ?? 0) * ROW_HEIGHT;
  return (
    <>
      <BaseEdge id={id} path={path} style={style} markerEnd={markerEnd} interactionWidth={interactionWidth} />
      {label ? (
        <EdgeLabelRenderer>
          {/* The edge's own name says it to assistive technology. */}
          <div className="jb-edge-label" aria-hidden style={{ transform: `translate(-50%, 0) translate(${sourceX}px, ${top}px)` }}>
            {label}
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}
