import { Button, Group, Paper, Select, Table, Text, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconPlus, IconSearch } from "@tabler/icons-react";
import { useState } from "react";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatInstant, formatRate, timeAgo } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { stageLabel } from "../ui/lifecycle";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { PageHeader } from "../ui/PageHeader";
import { useCursorPages } from "../ui/pages";
import { TableHead } from "../ui/TableHead";
import { listJourneys, type JourneyStatus, type JourneySummary } from "./api";
import { NewJourneyModal } from "./NewJourneyModal";
import { journeyKeys } from "./queries";
import { STATUS_OPTIONS, StatusBadge } from "./StatusBadge";

// Below this width (a tablet) the stage, the column read least, makes room for the figures.
const STAGE_FROM = "md";

function matches(journey: JourneySummary, search: string, status: JourneyStatus | null): boolean {
  if (status !== null && journey.status !== status) return false;
  const wanted = search.trim().toLowerCase();
  return wanted === "" || journey.name.toLowerCase().includes(wanted) || journey.key.includes(wanted);
}

function stageOf(journey: JourneySummary): string {
  const stage = journey.definition?.stage;
  return typeof stage === "string" ? stageLabel(stage) : "–";
}

export default function JourneysPage() {
  const { can } = useSession();
  const [creating, { open, close }] = useDisclosure(false);
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<JourneyStatus | null>(null);
  const journeys = useCursorPages(journeyKeys.list, (cursor) => listJourneys(cursor));
  const shown = journeys.items.filter((journey) => matches(journey, search, status));
  const filtering = search.trim() !== "" || status !== null;

  return (
    <>
      <PageHeader
        title="Journeys"
        description="Every journey of this workspace: who is in it and how well it converts."
        actions={
          can("edit_content") ? (
            <Button leftSection={<IconPlus size={16} />} onClick={open}>
              New journey
            </Button>
          ) : null
        }
      />
      <NewJourneyModal opened={creating} onClose={close} />
      <Group mb="md" gap="sm" wrap="wrap">
        <TextInput
          aria-label="Search journeys"
          placeholder="Search by name or key"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
        />
        <Select
          aria-label="Filter by status"
          placeholder="Any status"
          data={STATUS_OPTIONS}
          value={status}
          onChange={(value) => setStatus(value as JourneyStatus | null)}
          clearable
          w={180}
        />
      </Group>
      <ErrorNotice error={journeys.error} title="Could not load the journeys" />
      {journeys.isPending ? (
        <Loading />
      ) : journeys.isSuccess ? (
        <Paper withBorder>
          <Table.ScrollContainer minWidth={660}>
            <Table>
              <TableHead columns={["Name", "Status", { label: "Stage", visibleFrom: STAGE_FROM }, { label: "Entered", right: true }, { label: "In progress", right: true }, { label: "Goal rate", right: true }, "Last change"]} />
              <Table.Tbody>
                {shown.map((journey) => (
                  <Table.Tr key={journey.key}>
                    <Table.Td>
                      <ItemCell to={`/journeys/${encodeURIComponent(journey.key)}`} name={journey.name} itemKey={journey.key} />
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap", minWidth: 104 }}>
                      <StatusBadge status={journey.status} />
                    </Table.Td>
                    <Table.Td visibleFrom={STAGE_FROM}>{stageOf(journey)}</Table.Td>
                    <Table.Td ta="right">{formatCount(journey.entered)}</Table.Td>
                    <Table.Td ta="right">{formatCount(journey.in_progress)}</Table.Td>
                    <Table.Td ta="right">{formatRate(journey.goal_rate)}</Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <Text size="sm" title={formatInstant(journey.updated_at)}>
                        {timeAgo(journey.updated_at)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {shown.length === 0 ? (
            <Text ta="center" c="dimmed" py="xl">
              {filtering
                ? "No journey loaded so far matches."
                : can("edit_content")
                  ? "No journeys yet. Start one with “New journey”, or install a ready journey."
                  : "No journeys yet."}
            </Text>
          ) : null}
        </Paper>
      ) : null}
      <LoadMore list={journeys} label="Load more" />
    </>
  );
}
