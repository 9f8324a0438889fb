import { Box, Loader, Table, Text } from "@mantine/core";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
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
    <TableCard title="Audit trail" description="Every change to this workspace, and its members signing in and out, newest first.">
      {trail.isError ? (
        <TableCardNote>
          <ErrorNotice error={trail.error} title="Could not load the audit trail" />
        </TableCardNote>
      ) : trail.isPending ? (
        <TableCardNote>
          <Loader aria-label="Loading the audit trail" />
        </TableCardNote>
      ) : !trail.items.length ? (
        <TableCardNote>
          <Text size="sm" c="dimmed">
            Nothing has happened yet.
          </Text>
        </TableCardNote>
      ) : (
        <>
          <Table.ScrollContainer minWidth={720} type="native" tabIndex={0} role="region" aria-label="Audit trail entries">
            <Table fz="sm">
              <TableHead edge columns={["When", "Who", "Did", "To", "From"]} />
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
            <LoadMore list={trail} />
          </Box>
        </>
      )}
    </TableCard>
  );
}
