import { useCallback, useRef, useState } from "react";

const MAX_STEPS = 200;
// Typing in one field for a moment makes one undo step, not one per key.
const COALESCE_MS = 1200;

type History<T> = { past: T[]; future: T[]; group: string | null; at: number };

export const emptyHistory = <T>(): History<T> => ({ past: [], future: [], group: null, at: 0 });

/** The history after `current` was replaced by a change of `group` (if any) at `now`. */
export function record<T>(history: History<T>, current: T, group: string | null, now: number): History<T> {
  const same = group !== null && group === history.group && now - history.at < COALESCE_MS;
  const past = same ? history.past : [...history.past, current].slice(-MAX_STEPS);
  return { past, future: [], group, at: now };
}

export function undo<T>(history: History<T>, current: T): { history: History<T>; value: T } | null {
  const value = history.past[history.past.length - 1];
  if (value === undefined) return null;
  return { history: { past: history.past.slice(0, -1), future: [current, ...history.future], group: null, at: 0 }, value };
}

export function redo<T>(history: History<T>, current: T): { history: History<T>; value: T } | null {
  const [value, ...future] = history.future;
  if (value === undefined) return null;
  return { history: { past: [...history.past, current], future, group: null, at: 0 }, value };
}

/** Undo and redo over a controlled value. A value that did not come from here (the page
 * loaded another version) starts a new history. */
export function useHistory<T>(value: T, onChange: ((next: T) => void) | undefined) {
  const [history, setHistory] = useState<History<T>>(emptyHistory);
  const [known, setKnown] = useState<T>(value);
  const emitted = useRef<T>(value);
  if (value !== known) {
    setKnown(value);
    if (value !== emitted.current) setHistory(emptyHistory<T>());
  }

  const emit = useCallback(
    (next: T) => {
      emitted.current = next;
      onChange?.(next);
    },
    [onChange],
  );
  const commit = useCallback(
    (next: T, group: string | null = null) => {
      if (next === value) return;
      setHistory((h) => record(h, value, group, Date.now()));
      emit(next);
    },
    [value, emit],
  );
  const step = useCallback(
    (move: typeof undo<T>) => {
      const moved = move(history, value);
      if (!moved) return;
      setHistory(moved.history);
      emit(moved.value);
    },
    [history, value, emit],
  );
  return {
    commit,
    undo: useCallback(() => step(undo), [step]),
    redo: useCallback(() => step(redo), [step]),
    canUndo: history.past.length > 0,
    canRedo: history.future.length > 0,
  };
}
