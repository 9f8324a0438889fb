import { ActionIcon, Alert, Group, Tooltip } from "@mantine/core";
import { useElementSize, useMergedRef } from "@mantine/hooks";
import { IconAlertTriangle, IconFocusCentered, IconSitemap } from "@tabler/icons-react";
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type IsValidConnection,
  type NodeChange,
  type OnDelete,
  type OnNodeDrag,
  type XYPosition,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type DragEvent, type ReactNode } from "react";
import type { JourneyDefinition, YamlError } from "../definition";
import { addNode, renameNode } from "./edits";
import { decorateEdges, decorateNodes, keepUnchanged, problemsByNode } from "./flowElements";
import { TRIGGER_ID, connect, removeElements, toGraph } from "./graph";
import { LabelledEdge } from "./LabelledEdge";
import { NODE_HEIGHT, NODE_WIDTH, freeSpot, type Positions } from "./layout";
import { categoryOf, isNodeType, type NodeType } from "./model";
import { DRAG_TYPE, Palette } from "./Palette";
import { SidePanel } from "./SidePanel";
import { StepNode } from "./StepNode";
import { TriggerNode } from "./TriggerNode";
import type { FlowEdge, FlowNode, NodeCounts, NodeHighlight, Problem } from "./types";
import { PANEL_WIDTH, fitOptions, fittingZoom, shiftToShow } from "./view";

const NODE_TYPES = { step: StepNode, trigger: TriggerNode };
const EDGE_TYPES = { labelled: LabelledEdge };
// Beyond this many nodes only those in view are drawn; below it every node stays in the
// page, so that Tab reaches each one.
const VISIBLE_ONLY_FROM = 60;
// Fitting a long journey would make its cards unreadable: below this zoom it opens at
// READABLE_ZOOM on its trigger instead.
const SMALLEST_FIT = 0.7;
const READABLE_ZOOM = 0.8;
const ARIA = {
  "node.a11yDescription.default": "Press Enter to open the step's settings, Delete to remove it, Tab to go to the next step.",
  "node.a11yDescription.keyboardDisabled": "Press Enter to open the step's settings.",
  "edge.a11yDescription.default": "Press Enter to select the link, then Delete to remove it.",
  "controls.ariaLabel": "Zoom controls",
  "controls.zoomIn.ariaLabel": "Zoom in",
  "controls.zoomOut.ariaLabel": "Zoom out",
  "controls.fitView.ariaLabel": "Fit the journey in view",
  "minimap.ariaLabel": "Overview of the journey",
};
// The legend's height over the bottom of the canvas, with its margin: a step moved into
// view is kept above it.
const LEGEND_ROOM = 56;
const CATEGORY_COLOURS = {
  wait: "var(--mantine-color-blue-3)",
  flow: "var(--mantine-color-violet-3)",
  action: "var(--mantine-color-teal-3)",
  exit: "var(--mantine-color-gray-4)",
};

type CanvasProps = {
  definition: JourneyDefinition;
  editable: boolean;
  problems: readonly Problem[];
  overlay?: { label: string; counts: Record<string, NodeCounts> };
  highlight?: Record<string, NodeHighlight>;
  nodeExtras?: (nodeId: string) => ReactNode;
  positions: Positions;
  onMove: (moved: Positions) => void;
  onRenamed: (from: string, to: string) => void;
  onAutoLayout: () => void;
  commit: (next: JourneyDefinition, group?: string) => void;
  undo: () => void;
  redo: () => void;
  /** The YAML tab's mistake, when its text no longer reads: the canvas shows the last good one. */
  yamlError: YamlError | null;
  height: number | string;
};

export function Canvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <CanvasInner {...props} />
    </ReactFlowProvider>
  );
}

function CanvasInner(props: CanvasProps) {
  const { definition, editable, problems, overlay, highlight, nodeExtras, positions, onMove, onRenamed, onAutoLayout, commit, undo, redo, yamlError, height } = props;
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const { ref: sizeRef, width } = useElementSize();
  const area = useRef<HTMLDivElement>(null);
  const { ref: areaSizeRef, width: areaWidth, height: areaHeight } = useElementSize();
  const areaRef = useMergedRef(area, areaSizeRef);
  // The node to select once the definition that adds (or renames) it is drawn.
  const [selectNext, setSelectNext] = useState<string | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);

  const graph = useMemo(() => toGraph(definition), [definition]);
  const byNode = useMemo(() => problemsByNode(problems), [problems]);
  const built = useMemo(
    () => decorateNodes(graph, { positions, problems: byNode, counts: overlay?.counts, highlight, editable }),
    [graph, positions, byNode, overlay, highlight, editable],
  );
  const builtEdges = useMemo(() => decorateEdges(graph, editable), [graph, editable]);

  const [nodes, setNodes] = useState<FlowNode[]>(built);
  const [edges, setEdges] = useState<FlowEdge[]>(builtEdges);
  const [drawn, setDrawn] = useState({ built, builtEdges });
  if (drawn.built !== built || drawn.builtEdges !== builtEdges) {
    const chosen = selectNext;
    setSelectNext(null);
    setDrawn({ built, builtEdges });
    setNodes((previous) => keepUnchanged(previous, built, (id, was) => (chosen === null ? was : id === chosen)));
    setEdges((previous) => keepUnchanged(previous, builtEdges, (_, was) => (chosen === null ? was : false)));
  }

  const selected = nodes.filter((node) => node.selected);
  const panelId = selected.length === 1 ? selected[0]?.id ?? null : null;
  const narrow = width > 0 && width < 1100;
  // On a narrow canvas the panel lies over its right-hand side: fitting and moving the view
  // keep the journey out from under it.
  const covered = panelId !== null && narrow ? Math.min(PANEL_WIDTH, areaWidth) : 0;
  const fit = useMemo(() => fitOptions(covered), [covered]);
  const legend = overlay !== undefined || highlight !== undefined;

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    // Removals go through onDelete, which edits the definition.
    setNodes((current) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), current));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    setEdges((current) => applyEdgeChanges(changes.filter((c) => c.type !== "remove"), current));
  }, []);
  const onNodeDragStop: OnNodeDrag<FlowNode> = useCallback(
    (_, __, dragged) => onMove(Object.fromEntries(dragged.map((node) => [node.id, node.position]))),
    [onMove],
  );
  const onConnect = useCallback(
    (connection: Connection) => commit(connect(definition, connection.source, connection.sourceHandle ?? "next", connection.target)),
    [commit, definition],
  );
  const isValidConnection: IsValidConnection<FlowEdge> = useCallback(
    (connection) => connection.target !== TRIGGER_ID && connection.source !== connection.target,
    [],
  );
  const onDelete: OnDelete<FlowNode, FlowEdge> = useCallback(
    ({ nodes: gone, edges: cut }) => commit(removeElements(definition, gone.map((n) => n.id), cut.map((e) => e.id))),
    [commit, definition],
  );

  const add = useCallback(
    (type: NodeType, position: XYPosition, after: string | null) => {
      const { definition: next, id } = addNode(definition, type, after);
      setSelectNext(id);
      onMove({ [id]: position });
      commit(next);
      setFocusId(id);
    },
    [commit, definition, onMove],
  );
  const addNearSelection = useCallback(
    (type: NodeType) => {
      const anchor = panelId ? nodes.find((node) => node.id === panelId) : undefined;
      const taken = nodes.map((n) => ({ ...n.position, width: n.measured?.width ?? NODE_WIDTH, height: n.measured?.height ?? NODE_HEIGHT }));
      if (anchor) {
        const below = { x: anchor.position.x, y: anchor.position.y + (anchor.measured?.height ?? NODE_HEIGHT) + 70 };
        add(type, freeSpot(below, taken), anchor.id === TRIGGER_ID ? null : anchor.id);
        return;
      }
      const box = area.current?.getBoundingClientRect();
      const centre = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
      add(type, freeSpot({ x: centre.x - NODE_WIDTH / 2, y: centre.y - 50 }, taken), null);
    },
    [add, flow, nodes, panelId],
  );
  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(DRAG_TYPE);
      if (!isNodeType(type)) return;
      event.preventDefault();
      const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      add(type, { x: point.x - NODE_WIDTH / 2, y: point.y - 30 }, null);
    },
    [add, flow],
  );

  // The journey opens fitted in view, or at its top when fitting would make it unreadable.
  const initialized = useNodesInitialized();
  const placed = useRef(false);
  useEffect(() => {
    const box = area.current?.getBoundingClientRect();
    if (!initialized || placed.current || !box) return;
    placed.current = true;
    const bounds = flow.getNodesBounds(nodes);
    if (fittingZoom(bounds, box.width, box.height, covered) >= SMALLEST_FIT) {
      void flow.fitView(fit);
      return;
    }
    const top = nodes.find((n) => n.id === TRIGGER_ID)?.position ?? bounds;
    void flow.setViewport({ x: box.width / 2 - (top.x + NODE_WIDTH / 2) * READABLE_ZOOM, y: 24 - top.y * READABLE_ZOOM, zoom: READABLE_ZOOM });
  }, [initialized, flow, nodes, covered, fit]);

  // The step whose panel opens (an added one too: it is selected) shows whole beside the
  // panel and above the legend: the view moves by the least it takes, at the same zoom.
  useEffect(() => {
    const node = panelId === null ? undefined : flow.getInternalNode(panelId);
    if (!node || areaWidth === 0) return;
    const { x, y, zoom } = flow.getViewport();
    const { positionAbsolute } = node.internals;
    const box = {
      x: positionAbsolute.x * zoom + x,
      y: positionAbsolute.y * zoom + y,
      width: (node.measured.width ?? NODE_WIDTH) * zoom,
      height: (node.measured.height ?? NODE_HEIGHT) * zoom,
    };
    const shift = shiftToShow(box, { width: areaWidth - covered, height: areaHeight - (legend ? LEGEND_ROOM : 0) });
    if (shift.x !== 0 || shift.y !== 0) void flow.setViewport({ x: x + shift.x, y: y + shift.y, zoom }, { duration: 200 });
  }, [panelId, covered, areaWidth, areaHeight, legend, flow]);

  // An added node takes the focus.
  useEffect(() => {
    if (focusId === null || !nodes.some((n) => n.id === focusId)) return;
    setFocusId(null);
    // React Flow shows the node a frame or two after it joins the list (once measured).
    const focus = (tries = 20) => {
      const element = area.current?.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(focusId)}"]`);
      element?.focus({ preventScroll: true });
      if (document.activeElement !== element && tries > 0) requestAnimationFrame(() => focus(tries - 1));
    };
    focus();
  }, [focusId, nodes]);

  // Undo and redo, unless a field (which has its own) has the focus.
  useEffect(() => {
    if (!editable) return;
    const onKey = (event: KeyboardEvent) => {
      if (!(event.metaKey || event.ctrlKey) || event.altKey) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      if (target?.closest("input, textarea, select, [contenteditable='true']")) return;
      if (target && target !== document.body && !area.current?.parentElement?.contains(target)) return;
      const key = event.key.toLowerCase();
      if (key === "z" && !event.shiftKey) undo();
      else if ((key === "z" && event.shiftKey) || key === "y") redo();
      else return;
      event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [editable, undo, redo]);

  const closePanel = useCallback(() => setNodes((current) => current.map((n) => (n.selected ? { ...n, selected: false } : n))), []);
  const rename = useCallback(
    (from: string, to: string) => {
      setSelectNext(to);
      onRenamed(from, to);
      commit(renameNode(definition, from, to));
    },
    [commit, definition, onRenamed],
  );
  const deleteStep = useCallback((id: string) => commit(removeElements(definition, [id], [])), [commit, definition]);

  const compactPalette = width > 0 && width < 820;
  return (
    <div ref={sizeRef} className="jb-workspace" style={{ height, "--jb-panel-width": `${PANEL_WIDTH}px` } as CSSProperties}>
      {editable ? <Palette compact={compactPalette} onAdd={addNearSelection} /> : null}
      <div className="jb-flow-area" ref={areaRef} onDragOver={editable ? onDragOver : undefined} onDrop={editable ? onDrop : undefined}>
        <ReactFlow<FlowNode, FlowEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onNodeDragStop={onNodeDragStop}
          onConnect={editable ? onConnect : undefined}
          onDelete={editable ? onDelete : undefined}
          isValidConnection={isValidConnection}
          nodesDraggable={editable}
          nodesConnectable={editable}
          edgesFocusable
          nodesFocusable
          deleteKeyCode={editable ? ["Delete", "Backspace"] : null}
          onlyRenderVisibleElements={nodes.length > VISIBLE_ONLY_FROM}
          minZoom={0.1}
          maxZoom={1.75}
          autoPanOnNodeFocus
          ariaLabelConfig={ARIA}
          aria-label="Journey canvas"
        >
          <Background gap={20} size={1} color="var(--mantine-color-gray-4)" />
          <Controls position="top-left" showInteractive={false} fitViewOptions={fit} />
          {areaWidth > 0 && areaWidth < 640 ? null : (
            <MiniMap<FlowNode>
              pannable
              zoomable
              nodeStrokeWidth={2}
              nodeColor={(node) => (node.type === "step" ? CATEGORY_COLOURS[categoryOf(node.data.node.type)] : "var(--mantine-color-indigo-4)")}
              style={{ width: 150, height: 100 }}
            />
          )}
          <Panel position="top-right">
            <Group gap={4} className="jb-legend" style={{ padding: 4 }}>
              {editable ? (
                <Tooltip label="Tidy up the layout">
                  <ActionIcon variant="subtle" color="gray" onClick={onAutoLayout} aria-label="Tidy up the layout" data-testid="auto-layout">
                    <IconSitemap size={18} />
                  </ActionIcon>
                </Tooltip>
              ) : null}
              <Tooltip label="Fit the journey in view">
                <ActionIcon variant="subtle" color="gray" onClick={() => void flow.fitView({ ...fit, duration: 300 })} aria-label="Zoom to fit" data-testid="zoom-to-fit">
                  <IconFocusCentered size={18} />
                </ActionIcon>
              </Tooltip>
            </Group>
          </Panel>
          {legend ? (
            <Panel position="bottom-left">
              <Legend overlay={overlay?.label} goals={overlay !== undefined && Object.values(overlay.counts).some((counts) => counts.goal !== undefined)} highlight={highlight !== undefined} />
            </Panel>
          ) : null}
          {yamlError ? (
            <Panel position="bottom-center">
              <Alert color="orange" variant="light" icon={<IconAlertTriangle size={16} />} py={6}>
                The YAML has a mistake{yamlError.line ? ` on line ${yamlError.line}` : ""}: the canvas shows the last version that read well.
              </Alert>
            </Panel>
          ) : null}
        </ReactFlow>
      </div>
      {panelId ? (
        <SidePanel
          key={panelId}
          definition={definition}
          selected={panelId}
          problems={problems}
          editable={editable}
          overlay={narrow}
          counts={overlay?.counts[panelId]}
          commit={commit}
          onRename={rename}
          onDelete={deleteStep}
          onClose={closePanel}
          extras={panelId !== TRIGGER_ID ? nodeExtras?.(panelId) : undefined}
        />
      ) : null}
    </div>
  );
}

function Legend({ overlay, goals, highlight }: { overlay?: string; goals: boolean; highlight: boolean }) {
  return (
    <div className="jb-legend" data-testid="canvas-legend">
      {overlay ? <strong>{overlay}</strong> : null}
      {overlay ? <span>entered · waiting · exited{goals ? " · goal" : ""}, per step</span> : null}
      {highlight ? (
        <>
          <span>
            <span className="jb-swatch jb-swatch-added" aria-hidden />
            Added
          </span>
          <span>
            <span className="jb-swatch jb-swatch-changed" aria-hidden />
            Changed
          </span>
          <span>
            <span className="jb-swatch jb-swatch-removed" aria-hidden />
            Removed
          </span>
        </>
      ) : null}
    </div>
  );
}
