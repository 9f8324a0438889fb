import { Tooltip } from "@mantine/core";
import { memo, type DragEvent } from "react";
import { iconOf } from "./icons";
import { CATEGORIES, NODE_INFO, NODE_TYPES, type NodeType } from "./model";

/** What a palette item carries when dragged onto the canvas. */
export const DRAG_TYPE = "application/x-baton-node";

type Props = {
  compact: boolean;
  /** Adds a node of the type next to the selection (the keyboard's way). */
  onAdd: (type: NodeType) => void;
};

/** Every node type, grouped by category: drag one onto the canvas, or press it to add it
 * after the selected step. */
function PaletteView({ compact, onAdd }: Props) {
  const start = (event: DragEvent<HTMLButtonElement>, type: NodeType) => {
    event.dataTransfer.setData(DRAG_TYPE, type);
    event.dataTransfer.effectAllowed = "copy";
  };
  return (
    <nav className={`jb-palette${compact ? " jb-compact" : ""}`} aria-label="Steps to add">
      {CATEGORIES.map(({ category, label }) => (
        <div key={category} className={`jb-${category}`} role="group" aria-label={label}>
          {compact ? null : <div className="jb-palette-group" aria-hidden>{label}</div>}
          {NODE_TYPES.filter((type) => NODE_INFO[type].category === category).map((type) => {
            const Icon = iconOf({ type });
            const info = NODE_INFO[type];
            const item = (
              <button
                key={type}
                type="button"
                className="jb-palette-item"
                draggable
                onDragStart={(event) => start(event, type)}
                onClick={() => onAdd(type)}
                aria-label={`Add ${info.label}: ${info.hint}`}
                data-testid={`palette-${type}`}
              >
                <span className="jb-icon" aria-hidden>
                  <Icon size={16} stroke={1.8} />
                </span>
                {compact ? null : <span>{info.label}</span>}
              </button>
            );
            return (
              <Tooltip key={type} label={compact ? `${info.label}: ${info.hint}` : info.hint} position="right" openDelay={400} withinPortal>
                {item}
              </Tooltip>
            );
          })}
        </div>
      ))}
    </nav>
  );
}

export const Palette = memo(PaletteView);
