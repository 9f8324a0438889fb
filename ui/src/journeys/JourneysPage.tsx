import { Anchor, Button, Center, Group, Loader, Paper, Select, Table, Text, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconPlus, IconSearch } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { PageHeader } from "../ui/PageHeader";
import { useCursorPages } from "../ui/pages";
import { listJourneys, type JourneyStatus, type JourneySummary } from "./api";
import { ago, count, instant, rate } from "./format";
import { NewJourneyModal } from "./NewJourneyModal";
import { journeyKeys } from "./queries";
import { STATUS_OPTIONS, StatusBadge } from "./StatusBadge";

function matches(journey: JourneySummary, search: string, status: JourneyStatus | null): boolean {
  if (status !== null && journey.status !== status) return false;
  const wanted = search.trim().toLowerCase();
  return wanted === "" || journey.name.toLowerCase().includes(wanted) || journey.key.includes(wanted);
}

function stageOf(journey: JourneySummary): string {
  const stage = journey.definition?.stage;
  return typeof stage === "string" ? stage.charAt(0).toUpperCase() + stage.slice(1) : "–";
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
        <Center py="xl">
          <Loader role="status" aria-label="Loading" />
        </Center>
      ) : journeys.isSuccess ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={900}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Stage</Table.Th>
                  <Table.Th ta="right">Entered</Table.Th>
                  <Table.Th ta="right">In progress</Table.Th>
                  <Table.Th ta="right">Goal rate</Table.Th>
                  <Table.Th>Last change</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((journey) => (
                  <Table.Tr key={journey.key}>
                    <Table.Td>
                      <Anchor component={Link} to={`/journeys/${encodeURIComponent(journey.key)}`} fw={600}>
                        {journey.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {journey.key}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <StatusBadge status={journey.status} />
                    </Table.Td>
                    <Table.Td>{stageOf(journey)}</Table.Td>
                    <Table.Td ta="right">{count(journey.entered)}</Table.Td>
                    <Table.Td ta="right">{count(journey.in_progress)}</Table.Td>
                    <Table.Td ta="right">{rate(journey.goal_rate)}</Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <Text size="sm" title={instant(journey.updated_at)}>
                        {ago(journey.updated_at)}
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
      {journeys.hasNextPage ? (
        <Center mt="md">
          <Button variant="default" onClick={() => void journeys.fetchNextPage()} loading={journeys.isFetchingNextPage}>
            Load more
          </Button>
        </Center>
      ) : null}
    </>
  );
}
