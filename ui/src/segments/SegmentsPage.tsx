import { Anchor, Card, Loader, Stack, Table, Text, TextInput } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { timeAgo } from "../analytics/dates";
import { readable } from "../api/errors";
import { LoadMore } from "../shell/LoadMore";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { ErrorNotice } from "../ui/ErrorNotice";
import { PageHeader } from "../ui/PageHeader";
import { useCursorPages } from "../ui/pages";
import { fetchSegments, useSegmentCount, type Segment } from "./api";
import { SegmentStatus } from "./SegmentStatus";

const counted = new Intl.NumberFormat("en");

export default function SegmentsPage() {
  const segments = useCursorPages(["segments"], () => fetchSegments());
  const [search, setSearch] = useState("");
  const wanted = search.trim().toLowerCase();
  const shown = segments.items.filter(
    (segment) => !wanted || segment.name.toLowerCase().includes(wanted) || segment.key.includes(wanted),
  );

  return (
    <>
      <PageHeader title="Segments" description="Groups of profiles, kept up to date as their traits and events change. Journeys start, wait and pause on them." />
      <ReadOnlyNote>Segments are read-only here for now: a developer changes them through Baton's API or command line.</ReadOnlyNote>
      <Card padding={0}>
        <Stack p="md" pb="xs">
          <TextInput
            aria-label="Search segments"
            placeholder="Search by name or key"
            leftSection={<IconSearch size={16} aria-hidden />}
            value={search}
            onChange={(event) => setSearch(event.currentTarget.value)}
            maw={360}
          />
        </Stack>
        {segments.isError ? (
          <Stack p="md">
            <ErrorNotice error={segments.error} title="Could not load the segments" />
          </Stack>
        ) : segments.isPending ? (
          <Stack align="center" p="xl">
            <Loader aria-label="Loading segments" />
          </Stack>
        ) : !shown.length ? (
          <Text c="dimmed" p="md">
            {segments.items.length ? "No segment matches the search." : "This workspace has no segments yet."}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Segment</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  <Table.Th scope="col" ta="right">
                    Members
                  </Table.Th>
                  <Table.Th scope="col" ta="right">
                    Version
                  </Table.Th>
                  <Table.Th scope="col">Last changed</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((segment) => (
                  <SegmentRow key={segment.id} segment={segment} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <LoadMore hasMore={segments.hasNextPage} loading={segments.isFetchingNextPage} onLoad={() => void segments.fetchNextPage()} />
    </>
  );
}

function SegmentRow({ segment }: { segment: Segment }) {
  const count = useSegmentCount(segment.key);
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/segments/${encodeURIComponent(segment.key)}`} fw={600} size="sm">
          {segment.name || segment.key}
        </Anchor>
        <Text size="xs" c="dimmed" ff="monospace">
          {segment.key}
        </Text>
      </Table.Td>
      <Table.Td>
        <SegmentStatus status={segment.status} progress={segment.progress} />
      </Table.Td>
      <Table.Td ta="right">
        {count.isPending ? (
          <Loader size="xs" aria-label={`Counting the members of ${segment.name}`} />
        ) : count.isError ? (
          <Text size="xs" c="red.8">
            {readable(count.error)}
          </Text>
        ) : (
          <Text size="sm" fw={500}>
            {counted.format(count.data.count)}
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm">{segment.version}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c="dimmed">
          {timeAgo(segment.updated_at)}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
