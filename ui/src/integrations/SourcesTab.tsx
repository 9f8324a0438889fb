import { Button, Card, Group, Stack, Table, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatInstant, timeAgo } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { Loading } from "../ui/Loading";
import { TableHead } from "../ui/TableHead";
import { NewSourceModal } from "./NewSourceModal";
import { PRESET_LABELS, useSources, type Source } from "./sources";

const COLUMNS = ["Source", "Preset", { label: "Received", right: true }, { label: "Rejected", right: true }, "Last received", "Last error"];

/** The workspace's sources: what each received and rejected, and the last rejection's reason. */
export function SourcesTab() {
  const sources = useSources();
  const [creating, setCreating] = useState(false);
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed" maw={760}>
          Each source has a webhook URL to give the other system. Its signature is checked with the secret you set, then a preset turns each payload into standard events and identities.
        </Text>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
          New source
        </Button>
      </Group>
      <Card padding={0}>
        {sources.isError ? (
          <Stack p="md">
            <ErrorNotice error={sources.error} title="Could not load the sources" />
          </Stack>
        ) : sources.isPending ? (
          <Loading label="Loading the sources" />
        ) : !sources.data.items.length ? (
          <Text c="dimmed" p="md">
            No source yet. “New source” makes one from a preset: Shopify, Stripe, Zendesk, Twilio or a generic JSON webhook.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={860} type="native" tabIndex={0} role="region" aria-label="Sources">
            <Table verticalSpacing="sm">
              <TableHead columns={COLUMNS} edge />
              <Table.Tbody>
                {sources.data.items.map((item) => (
                  <Row key={item.key} item={item} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {creating ? <NewSourceModal opened onClose={() => setCreating(false)} /> : null}
    </Stack>
  );
}

function Row({ item }: { item: Source }) {
  return (
    <Table.Tr data-testid={`source-${item.key}`}>
      <Table.Td pl="lg">
        <ItemCell to={`/integrations/sources/${encodeURIComponent(item.key)}`} name={item.name} itemKey={item.key} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{PRESET_LABELS[item.preset]}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm" fw={500}>
          {formatCount(item.received)}
        </Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm" c={item.rejected ? "red.8" : undefined}>
          {formatCount(item.rejected)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c="dimmed" title={formatInstant(item.last_received_at)}>
          {item.last_received_at ? timeAgo(item.last_received_at) : "Never"}
        </Text>
      </Table.Td>
      <Table.Td pr="lg" maw={320}>
        {item.last_error ? (
          <Text size="xs" c="red.8" lineClamp={2} title={`${formatInstant(item.last_error_at)}: ${item.last_error}`}>
            {item.last_error}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            None
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
