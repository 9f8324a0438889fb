import { useCallback, useState } from "react";
import type { JourneyDefinition } from "../definition";
import { TRIGGER_ID, toGraph } from "./graph";
import { layout, loadPositions, savePositions, type Positions } from "./layout";

const TRIGGER_ONLY = new Set([TRIGGER_ID]);

/** Positions for every node of the journey, by dagre. */
export function autoPositions(definition: JourneyDefinition): Positions {
  const graph = toGraph(definition);
  const edges = graph.edges.filter((edge) => !edge.data?.dangling);
  return layout(
    graph.nodes.map((node) => node.id),
    edges,
    TRIGGER_ONLY,
  );
}

/** Where each node of the journey is drawn: laid out when the journey opens, moved nodes
 * where they were left (remembered in this browser per journey), new nodes placed once. */
export function useNodePositions(definition: JourneyDefinition) {
  const key = definition.key;
  const [state, setState] = useState(() => ({ key, positions: opening(definition) }));
  let positions = state.positions;
  if (state.key !== key) {
    positions = opening(definition);
    setState({ key, positions });
  } else {
    const missing = Object.keys(definition.nodes ?? {}).filter((id) => !(id in positions));
    if (missing.length > 0) {
      const laid = autoPositions(definition);
      positions = { ...positions, ...Object.fromEntries(missing.map((id) => [id, laid[id] ?? { x: 0, y: 0 }])) };
      setState({ key, positions });
    }
  }

  const move = useCallback(
    (moved: Positions) =>
      setState((current) => {
        const next = { ...current.positions, ...moved };
        savePositions(current.key, next);
        return { ...current, positions: next };
      }),
    [],
  );
  const rename = useCallback(
    (from: string, to: string) =>
      setState((current) => {
        const { [from]: place, ...rest } = current.positions;
        const next = place ? { ...rest, [to]: place } : rest;
        savePositions(current.key, next);
        return { ...current, positions: next };
      }),
    [],
  );
  const autoLayout = useCallback(() => {
    savePositions(key, null);
    setState({ key, positions: autoPositions(definition) });
  }, [definition, key]);
  return { positions, move, rename, autoLayout };
}

function opening(definition: JourneyDefinition): Positions {
  const stored = loadPositions(definition.key);
  return { ...autoPositions(definition), ...stored };
}
