import { Box, Paper, Text } from "@mantine/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useRef, useState } from "react";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount } from "../ui/format";
import { Loading } from "../ui/Loading";
import type { TimelineEntry } from "./timeline";
import { DETAILS_HEIGHT, ROW_HEIGHT, TimelineRow } from "./TimelineRow";
import { useTimeline } from "./useTimeline";

// How close to the end the person may scroll before older pages are asked for.
const LOOKAHEAD = 40;

type ListProps = { entries: TimelineEntry[]; onNearEnd: () => void };

/** The rows in view, and a few either side: nothing else is rendered. Every row has a
 * known height (collapsed, or with its details open), so scrolling measures nothing. */
const TimelineList = memo(function TimelineList({ entries, onNearEnd }: ListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback((key: string) => {
    setExpanded((open) => {
      const next = new Set(open);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  }, []);
  // Stable between scrolls: the virtualizer lays the rows out again whenever they change.
  const sizeOf = useCallback(
    (index: number) => {
      const key = entries[index]?.key;
      return key !== undefined && expanded.has(key) ? ROW_HEIGHT + DETAILS_HEIGHT : ROW_HEIGHT;
    },
    [entries, expanded],
  );
  const keyOf = useCallback((index: number) => entries[index]?.key ?? index, [entries]);
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scroller.current,
    estimateSize: sizeOf,
    getItemKey: keyOf,
    overscan: 6,
  });
  useEffect(() => virtualizer.measure(), [virtualizer, expanded]);

  const rows = virtualizer.getVirtualItems();
  const lastShown = rows.at(-1)?.index ?? -1;
  useEffect(() => {
    if (lastShown >= entries.length - LOOKAHEAD) onNearEnd();
  }, [lastShown, entries.length, onNearEnd]);

  return (
    <div
      ref={scroller}
      role="list"
      aria-label="Timeline, newest first"
      tabIndex={0}
      data-testid="timeline"
      style={{ height: `min(68vh, 680px, ${virtualizer.getTotalSize()}px)`, overflowY: "auto", contain: "strict" }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: "relative", width: "100%" }}>
        {rows.map((row) => {
          const entry = entries[row.index];
          if (!entry) return null;
          return (
            <div
              key={row.key}
              role="listitem"
              data-testid="timeline-row"
              data-kind={entry.kind}
              style={{ position: "absolute", top: 0, left: 0, width: "100%", height: row.size, transform: `translateY(${row.start}px)` }}
            >
              <TimelineRow entry={entry} expanded={expanded.has(entry.key)} onToggle={toggle} />
            </div>
          );
        })}
      </div>
    </div>
  );
});

/** Everything that happened to a profile, newest first; older pages load as the person
 * scrolls towards them. */
export function Timeline({ profileId }: { profileId: string }) {
  const timeline = useTimeline(profileId);
  const { entries } = timeline;
  // The list calls back through a stable function, so scrolling never re-renders the
  // queries: only the list.
  const loadOlder = useRef(timeline.loadOlder);
  loadOlder.current = timeline.loadOlder;
  // A new function whenever what holds the timeline back changes or a page arrives, so
  // the list asks again even when a page brought no row it can show yet.
  const waitingFor = timeline.waitingFor.join(",");
  const { fetching } = timeline;
  const onNearEnd = useCallback(() => {
    if (waitingFor !== "" && !fetching) loadOlder.current();
  }, [waitingFor, fetching]);

  if (timeline.loading && entries.length === 0 && !timeline.error) {
    return (
      <Loading label="Loading the timeline" />
    );
  }
  const shown = formatCount(entries.length);
  return (
    <Box>
      <ErrorNotice error={timeline.error} title="Could not load all of the timeline" />
      {entries.length === 0 && !timeline.hasOlder && !timeline.error ? (
        <Text c="dimmed" py="lg">
          No activity yet: no events, messages or journey steps.
        </Text>
      ) : (
        <Paper withBorder style={{ overflow: "hidden" }}>
          <TimelineList entries={entries} onNearEnd={onNearEnd} />
        </Paper>
      )}
      <Text size="xs" c="dimmed" mt={6} aria-live="polite" data-testid="timeline-status">
        {timeline.fetching
          ? `${shown} items shown; loading older activity…`
          : timeline.hasOlder
            ? `${shown} items shown; scroll down for older activity.`
            : entries.length > 0
              ? `All ${shown} items shown.`
              : ""}
      </Text>
    </Box>
  );
}
