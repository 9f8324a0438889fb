import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo, useMemo } from "react";
import { iconOf } from "./icons";
import { categoryOf, exitsOf, summarize, typeLabel, type Exit } from "./model";
import { Counts, NodeHead, NodeProblems } from "./nodeParts";
import type { StepFlowNode } from "./types";

/** A step on the canvas: its type, id and what it does, its counts and its mistakes. */
function StepNodeView({ id, data, isConnectable }: NodeProps<StepFlowNode>) {
  const { node, start, connected, problems, counts, highlight } = data;
  const exits = useMemo(() => exitsOf(node), [node]);
  const classes = [
    "jb-node",
    `jb-${categoryOf(node.type)}`,
    exits.length > 1 ? "jb-has-exits" : "",
    problems?.length ? "jb-invalid" : "",
    highlight ? `jb-hl-${highlight}` : "",
  ];
  return (
    <div className={classes.join(" ")}>
      <Handle type="target" position={Position.Top} isConnectable={isConnectable} role="img" aria-label={`Way into ${id}`} />
      <NodeHead icon={iconOf(node)} kind={typeLabel(node.type)} name={id}>
        {start ? <span className="jb-tag">Start</span> : null}
      </NodeHead>
      <div className="jb-summary">{summarize(node)}</div>
      {typeof node.description === "string" && node.description ? <div className="jb-description">{node.description}</div> : null}
      {counts ? <Counts counts={counts} /> : null}
      <NodeProblems problems={problems} />
      {exits.length > 1 ? <ExitLabels exits={exits} connected={connected ?? []} /> : null}
      {exits.map((exit, i) => (
        <Handle
          key={exit.path}
          id={exit.path}
          type="source"
          position={Position.Bottom}
          isConnectable={isConnectable}
          className={exit.required && exit.target === null ? "jb-handle-missing" : undefined}
          style={{ left: `${((i + 1) / (exits.length + 1)) * 100}%` }}
          role="img"
          aria-label={`Way out of ${id}: ${exit.label}${exit.target ? `, goes to ${exit.target}` : ", not connected"}`}
          data-testid={`handle-${id}-${exit.path}`}
        />
      ))}
    </div>
  );
}

/** The names of the ways out not yet connected, each over its handle: a connected one's
 * name is on its edge, just below. */
function ExitLabels({ exits, connected }: { exits: Exit[]; connected: readonly string[] }) {
  const width = 100 / (exits.length + 1);
  return (
    <div className="jb-exit-labels" aria-hidden>
      {exits.map((exit, i) =>
        connected.includes(exit.path) ? null : (
          <span
            key={exit.path}
            className={`jb-exit-label${exit.required && exit.target === null ? " jb-missing" : ""}`}
            style={{ left: `${(i + 1) * width}%`, maxWidth: `${width * 1.1}%` }}
          >
            {exit.label}
          </span>
        ),
      )}
    </div>
  );
}

export const StepNode = memo(StepNodeView);
