import { Box, Card, Loader, Stack, Table, Text, TextInput } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { useState } from "react";
import { readable } from "../api/errors";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, timeAgo } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { PageHeader } from "../ui/PageHeader";
import { TableHead } from "../ui/TableHead";
import { useSegmentCount, useSegments, type Segment } from "./api";
import { SegmentStatus } from "./SegmentStatus";

export default function SegmentsPage() {
  const segments = useSegments();
  const [search, setSearch] = useState("");
  const wanted = search.trim().toLowerCase();
  const all = segments.items;
  const shown = all.filter(
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
          <Loading label="Loading segments" />
        ) : !shown.length ? (
          <Text c="dimmed" p="md">
            {!all.length
              ? "This workspace has no segments yet."
              : segments.hasNextPage
                ? "No segment loaded so far matches the search."
                : "No segment matches the search."}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <TableHead columns={["Segment", "Status", { label: "Members", right: true }, { label: "Version", right: true }, "Last changed"]} />
              <Table.Tbody>
                {shown.map((segment) => (
                  <SegmentRow key={segment.id} segment={segment} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {segments.hasNextPage ? (
          <Box pb="md">
            <LoadMore list={segments} />
          </Box>
        ) : null}
      </Card>
    </>
  );
}

function SegmentRow({ segment }: { segment: Segment }) {
  const count = useSegmentCount(segment.key);
  return (
    <Table.Tr>
      <Table.Td>
        <ItemCell to={`/segments/${encodeURIComponent(segment.key)}`} name={segment.name} itemKey={segment.key} />
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
            {formatCount(count.data.count)}
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
