import { Button, Card, Group, Stack, Table, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant, timeAgo } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { Loading } from "../ui/Loading";
import { TableHead } from "../ui/TableHead";
import { forwards, KIND_LABELS, target, useDestinations, type Destination } from "./destinations";
import { NewDestinationModal } from "./NewDestinationModal";

const COLUMNS = ["Destination", "Kind", "Sends", "To", "Next run"];

/** Where Baton sends events, audiences and contacts. */
export function DestinationsTab() {
  const destinations = useDestinations();
  const [creating, setCreating] = useState(false);
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed" maw={760}>
          Signed webhooks of chosen events, segment entries and exits and trait changes; segments as ad platforms' audience files; contacts upserted to a CRM. Failed deliveries are retried, then kept as dead letters to replay.
        </Text>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
          New destination
        </Button>
      </Group>
      <Card padding={0}>
        {destinations.isError ? (
          <Stack p="md">
            <ErrorNotice error={destinations.error} title="Could not load the destinations" />
          </Stack>
        ) : destinations.isPending ? (
          <Loading label="Loading the destinations" />
        ) : !destinations.data.items.length ? (
          <Text c="dimmed" p="md">
            No destination yet. “New destination” makes a webhook, an ad audience or a CRM sync.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={860} type="native" tabIndex={0} role="region" aria-label="Destinations">
            <Table verticalSpacing="sm">
              <TableHead columns={COLUMNS} edge />
              <Table.Tbody>
                {destinations.data.items.map((item) => (
                  <Row key={item.key} item={item} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {creating ? <NewDestinationModal opened onClose={() => setCreating(false)} /> : null}
    </Stack>
  );
}

function Row({ item }: { item: Destination }) {
  return (
    <Table.Tr data-testid={`destination-${item.key}`}>
      <Table.Td pl="lg">
        <ItemCell to={`/integrations/destinations/${encodeURIComponent(item.key)}`} name={item.settings.name ?? undefined} itemKey={item.key} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{KIND_LABELS[item.kind]}</Text>
      </Table.Td>
      <Table.Td maw={340}>
        <Text size="sm" lineClamp={2}>
          {forwards(item)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {target(item.settings)}
        </Text>
      </Table.Td>
      <Table.Td pr="lg">
        <Text size="sm" c="dimmed" title={formatInstant(item.next_run_at)}>
          {item.next_run_at ? timeAgo(item.next_run_at) : "When events come"}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
