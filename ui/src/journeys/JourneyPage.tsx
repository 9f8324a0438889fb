import { Box, Tabs } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useMemo, useState } from "react";
import { useLocation, useParams, useSearchParams } from "react-router";
import { ApiError, isNotFound } from "../api/errors";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { timeAgo } from "../ui/format";
import { Loading } from "../ui/Loading";
import { PageHeader } from "../ui/PageHeader";
import { getJourney, saveJourney, type Journey } from "./api";
import type { JourneyDefinition } from "./definition";
import { EditorTab } from "./EditorTab";
import { JourneyActions } from "./JourneyActions";
import { LeaveGuard } from "../ui/LeaveGuard";
import { emptyJourney, withStart } from "./newJourney";
import { journeyKeys } from "./queries";
import { ReviewNotice } from "./ReviewNotice";
import { StatusBadge } from "./StatusBadge";
import { TestTab } from "./TestTab";
import { canonical } from "./versionDiff";
import { VersionsTab } from "./VersionsTab";

// The report brings the analytics pages' charts: loaded when its tab opens.
const JourneyReportTab = lazy(() => import("../analytics/JourneyReportTab"));

type FieldError = { field: string; message: string };

/** The definition the "New journey" form handed over, or an empty one for this key. */
function startingDefinition(state: unknown, key: string): JourneyDefinition {
  const given = (state as { definition?: JourneyDefinition } | null)?.definition;
  return given && given.key === key ? given : emptyJourney(key, key, "");
}

/** The API's refusal as the canvas shows it: at its field, without repeating the field's name. */
function fieldErrors(error: unknown): FieldError[] {
  if (!(error instanceof ApiError) || error.field === null) return [];
  const prefix = `${error.field}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return [{ field: error.field, message }];
}

function versionLine(journey: Journey | null): string {
  if (journey === null) return "New journey, not saved yet.";
  const parts = [`Version ${journey.version}`];
  if (journey.published_version === null) parts.push("never published");
  else if (journey.draft_version !== null) parts.push(`version ${journey.published_version} is published, this draft is not yet`);
  parts.push(`saved ${timeAgo(journey.updated_at)}`);
  return parts.join(" · ");
}

export default function JourneyPage() {
  const { key = "" } = useParams();
  // A fresh page per journey: a draft never follows a link to another journey.
  return <JourneyScreen key={key} journeyKey={key} />;
}

function JourneyScreen({ journeyKey: key }: { journeyKey: string }) {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const { can } = useSession();
  const client = useQueryClient();
  const found = useQuery({ queryKey: journeyKeys.one(key), queryFn: () => getJourney(key) });
  const missing = isNotFound(found.error);
  const creating = params.get("new") === "1" && missing;
  const starting = useMemo(() => startingDefinition(location.state, key), [location.state, key]);
  const journey = found.data ?? null;
  const base = journey?.definition ?? (creating ? starting : null);

  const [draft, setDraft] = useState<JourneyDefinition | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [tab, setTab] = useState<string | null>("editor");
  const current = draft ?? base;
  const dirty = draft !== null && (base === null || canonical(draft) !== canonical(base));
  const editable = can("edit_content") && journey?.status !== "archived";

  async function save() {
    if (current === null) return;
    if (Object.keys(current.nodes ?? {}).length === 0) {
      const message = "Add at least one step from the palette before saving.";
      setErrors([{ field: "nodes", message }]);
      setSaveError(new Error(message));
      throw new Error(message);
    }
    setSaving(true);
    try {
      const { change, ...saved } = await saveJourney(current);
      client.setQueryData(journeyKeys.one(key), saved);
      setDraft(null);
      setErrors([]);
      setSaveError(null);
      void client.invalidateQueries({ queryKey: journeyKeys.list });
      void client.invalidateQueries({ queryKey: journeyKeys.versions(key) });
      if (params.has("new")) setParams({}, { replace: true });
      notifications.show({ color: "green", message: change === "unchanged" ? "Nothing changed since the last save." : "Draft saved." });
    } catch (error) {
      setSaveError(error);
      setErrors(fieldErrors(error));
      throw error;
    } finally {
      setSaving(false);
    }
  }

  if (found.isPending) {
    return (
      <Loading h="50vh" />
    );
  }
  if (current === null) return <ErrorNotice error={found.error} title={missing ? "No journey has this key" : "Could not load the journey"} />;

  const name = typeof current.name === "string" && current.name !== "" ? current.name : key;
  return (
    <>
      <LeaveGuard active={dirty} />
      <PageHeader
        title={name}
        description={
          <>
            {journey ? <StatusBadge status={journey.status} /> : null} {key} · {versionLine(journey)}
            {dirty ? " · unsaved changes" : ""}
          </>
        }
        actions={<JourneyActions journey={journey} dirty={dirty} saving={saving} save={save} />}
      />
      {journey ? <ReviewNotice journeyKey={key} /> : null}
      {saveError ? (
        <Box mb="md">
          <ErrorNotice error={saveError} title="The draft was not saved" />
        </Box>
      ) : null}
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="editor">Editor</Tabs.Tab>
          {journey ? <Tabs.Tab value="versions">Versions</Tabs.Tab> : null}
          {journey && can("read_reports") ? <Tabs.Tab value="report">Report</Tabs.Tab> : null}
          {can("edit_content") ? <Tabs.Tab value="test">Test</Tabs.Tab> : null}
        </Tabs.List>
        <Tabs.Panel value="editor">
          <EditorTab journey={journey} value={current} onChange={editable ? (next) => setDraft(withStart(next)) : undefined} errors={errors} />
        </Tabs.Panel>
        {journey ? (
          <Tabs.Panel value="versions">
            <VersionsTab journeyKey={key} />
          </Tabs.Panel>
        ) : null}
        {journey && can("read_reports") ? (
          <Tabs.Panel value="report">
            <Suspense fallback={<Loading />}>
              <JourneyReportTab journeyKey={key} />
            </Suspense>
          </Tabs.Panel>
        ) : null}
        <Tabs.Panel value="test">
          <TestTab journey={journey} dirty={dirty} />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
