import { useMemo } from "react";
import { useCursorPages } from "../ui/pages";
import { profileEvents, profileMessages, profileSteps } from "./api";
import { mergeTimeline, type MergedTimeline } from "./timeline";

export type Timeline = MergedTimeline & {
  loading: boolean;
  fetching: boolean;
  /** Whether a list still has older pages. */
  hasOlder: boolean;
  error: unknown;
  /** Ask for the next page of each list that holds the timeline back. */
  loadOlder: () => void;
};

/** A profile's events, messages and journey steps, merged newest first, each list paged
 * through its own cursor as the timeline needs it. */
export function useTimeline(profileId: string): Timeline {
  const events = useCursorPages(["profiles", profileId, "events"], (cursor) => profileEvents(profileId, cursor));
  const messages = useCursorPages(["profiles", profileId, "messages"], (cursor) => profileMessages(profileId, cursor));
  const steps = useCursorPages(["profiles", profileId, "steps"], (cursor) => profileSteps(profileId, cursor));
  const lists = { event: events, message: messages, step: steps };

  const merged = useMemo(
    () =>
      mergeTimeline({
        event: { items: events.items, complete: events.isSuccess && !events.hasNextPage },
        message: { items: messages.items, complete: messages.isSuccess && !messages.hasNextPage },
        step: { items: steps.items, complete: steps.isSuccess && !steps.hasNextPage },
      }),
    // The items arrays are new on every render; the pages they are made of are not.
    [events.data, messages.data, steps.data, events.hasNextPage, messages.hasNextPage, steps.hasNextPage],
  );

  function loadOlder() {
    for (const kind of merged.waitingFor) {
      const list = lists[kind];
      if (list.hasNextPage && !list.isFetching && !list.isError) void list.fetchNextPage();
    }
  }

  return {
    ...merged,
    loading: events.isPending || messages.isPending || steps.isPending,
    fetching: events.isFetchingNextPage || messages.isFetchingNextPage || steps.isFetchingNextPage,
    hasOlder: Boolean(events.hasNextPage || messages.hasNextPage || steps.hasNextPage),
    error: events.error ?? messages.error ?? steps.error,
    loadOlder,
  };
}
