import { yaml } from "@codemirror/lang-yaml";
import { Stack, Tabs, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import { useLocation, useParams, useSearchParams } from "react-router";
import { isNotFound } from "../api/errors";
import { useSession } from "../auth/session";
import NotFoundPage from "../shell/NotFoundPage";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { BackLink } from "../ui/BackLink";
import { channelLabel } from "../ui/channels";
import { CodeBox } from "../ui/CodeBox";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant, timeAgo } from "../ui/format";
import { Loading } from "../ui/Loading";
import { PageHeader } from "../ui/PageHeader";
import { useBroadcast, useReport, type Broadcast } from "./api";
import { BroadcastActions } from "./BroadcastActions";
import { BroadcastEditor } from "./BroadcastEditor";
import { BroadcastReport } from "./BroadcastReport";
import { BroadcastStatus } from "./BroadcastStatus";
import { WhyCard } from "./WhyCard";
import { definitionYaml } from "./document";
import { audienceSummary, emptyForm, sendSummary, toForm } from "./form";

const YAML = [yaml()];

/** One broadcast: its form while it is a draft; its report once sent. `?new=1` opens the
 * form of one not saved yet. */
export default function BroadcastPage() {
  const key = useParams().key ?? "";
  // A fresh page per broadcast: a draft never follows a link to another one.
  return <BroadcastScreen key={key} broadcastKey={key} />;
}

function BroadcastScreen({ broadcastKey: key }: { broadcastKey: string }) {
  const { can } = useSession();
  const [params] = useSearchParams();
  const location = useLocation();
  const found = useBroadcast(key);
  const creating = params.get("new") === "1" && isNotFound(found.error) && can("edit_content");
  const name = (location.state as { name?: string } | null)?.name ?? key;
  if (isNotFound(found.error) && !creating) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/broadcasts">Broadcasts</BackLink>
      {creating ? (
        <New broadcastKey={key} name={name} />
      ) : found.isError ? (
        <ErrorNotice error={found.error} title="Could not load the broadcast" />
      ) : found.isPending ? (
        <Loading h="50vh" label="Loading the broadcast" />
      ) : (
        <Loaded broadcast={found.data} />
      )}
    </>
  );
}

function New({ broadcastKey, name }: { broadcastKey: string; name: string }) {
  const starting = useMemo(() => emptyForm(broadcastKey, name), [broadcastKey, name]);
  return (
    <>
      <PageHeader title={name} description="New broadcast, not saved yet." />
      <BroadcastEditor saved={null} starting={starting} editable onDirty={() => undefined} />
    </>
  );
}

function Loaded({ broadcast }: { broadcast: Broadcast }) {
  const { can } = useSession();
  const [dirty, setDirty] = useState(false);
  const draft = broadcast.status === "draft";
  const report = useReport(broadcast.key, broadcast.status, can("read_reports"));
  const starting = useMemo(() => toForm(broadcast.definition), [broadcast.definition]);
  const { definition } = broadcast;
  const editable = draft && can("edit_content");
  return (
    <>
      <PageHeader
        title={broadcast.name}
        description={
          <>
            <Text span ff="monospace" size="sm">
              {broadcast.key}
            </Text>
            {` · ${channelLabel(definition.channel)} to ${audienceSummary(definition.audience)} · `}
            {broadcast.started_at ? `started ${formatInstant(broadcast.started_at)}` : `goes ${sendSummary(definition.send, formatInstant)}`}
            {` · saved ${timeAgo(broadcast.updated_at)}`}
          </>
        }
        actions={
          <>
            <BroadcastStatus status={broadcast.status} />
            <BroadcastActions broadcast={broadcast} waiting={report.data?.totals.waiting ?? 0} dirty={dirty} />
          </>
        }
      />
      {can("edit_content") || !draft ? null : <ReadOnlyNote>Your role can read this draft but not change it.</ReadOnlyNote>}
      {draft ? (
        <BroadcastEditor saved={broadcast} starting={starting} editable={editable} onDirty={setDirty} />
      ) : (
        <Tabs defaultValue={can("read_reports") ? "report" : "definition"} keepMounted={false}>
          <Tabs.List mb="lg">
            {can("read_reports") ? <Tabs.Tab value="report">Report</Tabs.Tab> : null}
            <Tabs.Tab value="definition">Definition</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="report">
            <Stack gap="lg">
              <BroadcastReport report={report} />
              {can("read_profiles") ? <WhyCard broadcastKey={broadcast.key} /> : null}
            </Stack>
          </Tabs.Panel>
          <Tabs.Panel value="definition">
            <Stack gap="xs">
              <Text size="sm" c="dimmed">
                As sent; a broadcast no longer changes once it is sent.
              </Text>
              <CodeBox value={definitionYaml(definition)} onChange={() => undefined} editable={false} label={`Definition of the broadcast ${broadcast.name}`} extensions={YAML} testId="broadcast-yaml" />
            </Stack>
          </Tabs.Panel>
        </Tabs>
      )}
    </>
  );
}
