import { IconAlertCircle } from "@tabler/icons-react";
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo, useMemo } from "react";
import { iconOf } from "./icons";
import { categoryOf, exitsOf, summarize, typeLabel, type Exit } from "./model";
import type { NodeCounts, StepFlowNode } from "./types";

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

/** A step on the canvas: its type, id and what it does, its counts and its mistakes. */
function StepNodeView({ id, data, isConnectable }: NodeProps<StepFlowNode>) {
  const { node, start, problems, counts, highlight } = data;
  const exits = useMemo(() => exitsOf(node), [node]);
  const Icon = iconOf(node);
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
      <div className="jb-head">
        <span className="jb-icon" aria-hidden>
          <Icon size={17} stroke={1.8} />
        </span>
        <div className="jb-titles">
          <span className="jb-type">{typeLabel(node.type)}</span>
          <span className="jb-id">{id}</span>
        </div>
        {start ? <span className="jb-tag">Start</span> : null}
      </div>
      <div className="jb-summary">{summarize(node)}</div>
      {typeof node.description === "string" && node.description ? <div className="jb-description">{node.description}</div> : null}
      {counts ? <Counts counts={counts} /> : null}
      {problems?.length ? (
        <div className="jb-problem">
          <IconAlertCircle size={14} aria-hidden style={{ flex: "none", marginTop: 1 }} />
          <span>
            {problems[0]}
            {problems.length > 1 ? ` (+${problems.length - 1} more)` : ""}
          </span>
        </div>
      ) : null}
      {exits.length > 1 ? <ExitLabels exits={exits} /> : null}
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

function ExitLabels({ exits }: { exits: Exit[] }) {
  const width = 100 / (exits.length + 1);
  return (
    <div className="jb-exit-labels" aria-hidden>
      {exits.map((exit, i) => (
        <span
          key={exit.path}
          className={`jb-exit-label${exit.required && exit.target === null ? " jb-missing" : ""}`}
          style={{ left: `${(i + 1) * width}%`, maxWidth: `${width * 1.1}%` }}
        >
          {exit.label}
        </span>
      ))}
    </div>
  );
}

export function Counts({ counts }: { counts: NodeCounts }) {
  return (
    <div className="jb-counts">
      <span className="jb-count" title="Entered this step">
        <b>{compact.format(counts.entered)}</b> entered
      </span>
      <span className="jb-count jb-count-waiting" title="Waiting here now">
        <b>{compact.format(counts.waiting)}</b> waiting
      </span>
      <span className="jb-count" title="Left the journey here">
        <b>{compact.format(counts.exited)}</b> exited
      </span>
      {counts.goal !== undefined ? (
        <span className="jb-count jb-count-goal" title="Reached the goal from here">
          <b>{compact.format(counts.goal)}</b> goal
        </span>
      ) : null}
    </div>
  );
}

export const StepNode = memo(StepNodeView);
