import { useEffect, useState } from "react";
import { parseReading, withReading, type ActivityReading } from "./activity";

/** live: readings arrive; reconnecting: the browser is opening the stream again (it
 * ends every few minutes by design); closed: refused or unreachable, tried again later. */
export type StreamState = "connecting" | "live" | "reconnecting" | "closed";

const STREAM = "/api/v1/activity/stream";
// After a refusal (no such route yet, signed out, server down), wait before trying again.
const RETRY_AFTER_MS = 30_000;

/** The workspace's live activity by server-sent events; the session cookie goes along
 * since the stream is on the console's own origin. */
export function useActivityStream() {
  const [readings, setReadings] = useState<ActivityReading[]>([]);
  const [state, setState] = useState<StreamState>("connecting");
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const source = new EventSource(STREAM);
    setState("connecting");
    source.onopen = () => setState("live");
    source.onmessage = (message: MessageEvent<string>) => {
      const reading = parseReading(message.data);
      if (reading) setReadings((kept) => withReading(kept, reading));
    };
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    return () => source.close();
  }, [attempt]);

  useEffect(() => {
    if (state !== "closed") return;
    const timer = setTimeout(() => setAttempt((count) => count + 1), RETRY_AFTER_MS);
    return () => clearTimeout(timer);
  }, [state]);

  return { readings, state, retry: () => setAttempt((count) => count + 1) };
}
