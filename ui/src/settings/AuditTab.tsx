import { Box, Card, Loader, Table, Text, Title } from "@mantine/core";
import { formatInstant } from "../analytics/dates";
import { LoadMore } from "../shell/LoadMore";
import { ErrorNotice } from "../ui/ErrorNotice";
import { useCursorPages } from "../ui/pages";
import { fetchAudit, type AuditEntry } from "./api";

/** "journey.publish" → "journey publish": actions as words. */
const words = (action: string) => action.replace(/[._]/g, " ");

function objectOf(entry: AuditEntry): string {
  if (!entry.object) return "–";
  return entry.object.id ? `${entry.object.type} ${entry.object.id}` : entry.object.type;
}

/** Who changed what and when, newest first, fifty at a time. */
export function AuditTab() {
  const trail = useCursorPages(["audit"], fetchAudit);
  return (
    <Card padding={0}>
      <Title order={2} size="h4" px="lg" pt="md" pb={2}>
        Audit trail
      </Title>
      <Text size="sm" c="dimmed" px="lg" pb="xs">
        Every change to this workspace, and its members signing in and out, newest first.
      </Text>
      {trail.isError ? (
        <Box px="lg" pb="lg">
          <ErrorNotice error={trail.error} title="Could not load the audit trail" />
        </Box>
      ) : trail.isPending ? (
        <Loader m="lg" aria-label="Loading the audit trail" />
      ) : !trail.items.length ? (
        <Text size="sm" c="dimmed" px="lg" pb="md">
          Nothing has happened yet.
        </Text>
      ) : (
        <>
          <Table.ScrollContainer minWidth={720} type="native" tabIndex={0} role="region" aria-label="Audit trail entries">
            <Table fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col" pl="lg">
                    When
                  </Table.Th>
                  <Table.Th scope="col">Who</Table.Th>
                  <Table.Th scope="col">Did</Table.Th>
                  <Table.Th scope="col">To</Table.Th>
                  <Table.Th scope="col" pr="lg">
                    From
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {trail.items.map((entry) => (
                  <Table.Tr key={entry.id}>
                    <Table.Td pl="lg" style={{ whiteSpace: "nowrap" }}>
                      {formatInstant(entry.at)}
                    </Table.Td>
                    <Table.Td>{entry.actor.label ?? entry.actor.type}</Table.Td>
                    <Table.Td>{words(entry.action)}</Table.Td>
                    <Table.Td>
                      <Text span size="sm" ff="monospace">
                        {objectOf(entry)}
                      </Text>
                    </Table.Td>
                    <Table.Td pr="lg" c="dimmed">
                      {entry.actor.address ?? "–"}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Box pb="md">
            <LoadMore hasMore={trail.hasNextPage} loading={trail.isFetchingNextPage} onLoad={() => void trail.fetchNextPage()} />
          </Box>
        </>
      )}
    </Card>
  );
}
