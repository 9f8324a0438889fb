import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useDebouncedValue } from "@mantine/hooks";
import { useCallback, useState } from "react";
import type { YamlError } from "../journeys/definition";
import { fetchPreview, type Collection } from "./api";
import { toYaml, type ComputedDraft, type Read, type SegmentDraft } from "./document";

type Editing<D> = { draft: D; text: string; error: YamlError | null; dirty: boolean };

/** A definition being edited two ways at once: by the builder (`setDraft`, the YAML is
 * written again) and as YAML (`setText`, what reads well goes to the builder; what does not
 * keeps the builder's last good version and says why). */
export function useDraft<D extends SegmentDraft | ComputedDraft>(initial: D, read: (text: string) => Read<D>) {
  const [state, setState] = useState<Editing<D>>(() => ({ draft: initial, text: toYaml(initial), error: null, dirty: false }));
  const setDraft = useCallback((draft: D) => setState({ draft, text: toYaml(draft), error: null, dirty: true }), []);
  const setText = useCallback(
    (text: string) => {
      const found = read(text);
      setState((now) => (found.draft ? { draft: found.draft, text, error: null, dirty: true } : { ...now, text, error: found.error, dirty: true }));
    },
    [read],
  );
  const reset = useCallback((draft: D) => setState({ draft, text: toYaml(draft), error: null, dirty: false }), []);
  return { ...state, setDraft, setText, reset };
}

/** What the draft would hold now (count and sample), asked again a moment after the
 * editing pauses; the last answer stays shown while the next is on its way. */
export function usePreview(collection: Collection, draft: SegmentDraft | ComputedDraft, enabled: boolean) {
  const [settled] = useDebouncedValue(draft, 400);
  return useQuery({
    queryKey: [collection, "preview", settled],
    queryFn: ({ signal }) => fetchPreview(collection, settled, signal),
    enabled,
    retry: false,
    placeholderData: keepPreviousData,
  });
}
