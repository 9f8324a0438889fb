import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { START_HANDLE } from "./graph";
import { TriggerIcon } from "./icons";
import { NodeHead, NodeProblems } from "./nodeParts";
import { describeCondition, describeExits, describeGoal, describeReentry, describeTrigger } from "./summaries";
import type { TriggerFlowNode } from "./types";

/** The top of the journey: what starts it, who may enter, its goal and exit rules. */
function TriggerNodeView({ data, isConnectable }: NodeProps<TriggerFlowNode>) {
  const { definition, problems } = data;
  const goal = describeGoal(definition.goal);
  const exits = describeExits(definition.exit_on);
  const name = typeof definition.name === "string" && definition.name ? definition.name : definition.key;
  return (
    <div className={`jb-node jb-trigger${problems?.length ? " jb-invalid" : ""}`}>
      <NodeHead icon={TriggerIcon} kind="Trigger" name={name} />
      <div className="jb-summary">{describeTrigger(definition.trigger)}</div>
      <ul className="jb-lines">
        {definition.audience !== undefined ? (
          <li>
            <b>Only if</b> {describeCondition(definition.audience)}
          </li>
        ) : null}
        {goal ? (
          <li>
            <b>Goal</b> {goal}
          </li>
        ) : null}
        {exits ? (
          <li>
            <b>Exits on</b> {exits}
          </li>
        ) : null}
        <li>
          <b>Re-entry</b> {describeReentry(definition.reentry)}
        </li>
      </ul>
      <NodeProblems problems={problems} />
      <Handle
        id={START_HANDLE}
        type="source"
        position={Position.Bottom}
        isConnectable={isConnectable}
        role="img"
        aria-label={`Start of the journey${typeof definition.start === "string" ? `: ${definition.start}` : ", not connected"}`}
        data-testid="handle-trigger-start"
      />
    </div>
  );
}

export const TriggerNode = memo(TriggerNodeView);
