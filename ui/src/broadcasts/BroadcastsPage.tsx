import { Box, Button, Card, Stack, Table, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { useSession } from "../auth/session";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { channelLabel } from "../ui/channels";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatInstant } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { PageHeader } from "../ui/PageHeader";
import { TableHead } from "../ui/TableHead";
import { capitalised } from "../ui/text";
import { useBroadcasts, type Broadcast } from "./api";
import { BroadcastStatus } from "./BroadcastStatus";
import { audienceSummary, sendSummary } from "./form";
import { NewBroadcastModal } from "./NewBroadcastModal";

const COLUMNS = ["Broadcast", "Status", "Channel", "Audience", { label: "Recipients", right: true }, { label: "Sent", right: true }, { label: "Delivered", right: true }, "When"];

/** The workspace's broadcasts by key, page by page: where each stands and how far it got. */
export default function BroadcastsPage() {
  const { can } = useSession();
  const broadcasts = useBroadcasts();
  const [creating, setCreating] = useState(false);
  const canEdit = can("edit_content");
  return (
    <>
      <PageHeader
        title="Broadcasts"
        description="One message to a segment, a list or an uploaded CSV: now, at a time, or at a local time for each person, with an optional A/B test and holdout. Caps, quiet hours and consent apply as in journeys."
        actions={
          canEdit ? (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New broadcast
            </Button>
          ) : null
        }
      />
      {canEdit ? null : <ReadOnlyNote>Your role can read broadcasts and their reports but not change or send them.</ReadOnlyNote>}
      <Card padding={0}>
        {broadcasts.isError ? (
          <Stack p="md">
            <ErrorNotice error={broadcasts.error} title="Could not load the broadcasts" />
          </Stack>
        ) : broadcasts.isPending ? (
          <Loading label="Loading the broadcasts" />
        ) : !broadcasts.items.length ? (
          <Text c="dimmed" p="md">
            This workspace has no broadcasts yet.{canEdit ? " “New broadcast” writes one." : ""}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={900} type="native" tabIndex={0} role="region" aria-label="Broadcasts">
            <Table verticalSpacing="sm">
              <TableHead columns={COLUMNS} edge />
              <Table.Tbody>
                {broadcasts.items.map((item) => (
                  <Row key={item.id} item={item} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {broadcasts.hasNextPage ? (
          <Box pb="md">
            <LoadMore list={broadcasts} />
          </Box>
        ) : null}
      </Card>
      {creating ? <NewBroadcastModal opened onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function Row({ item }: { item: Broadcast }) {
  const { definition, summary } = item;
  return (
    <Table.Tr data-testid={`broadcast-${item.key}`}>
      <Table.Td pl="lg">
        <ItemCell to={`/broadcasts/${encodeURIComponent(item.key)}`} name={item.name} itemKey={item.key} />
      </Table.Td>
      <Table.Td style={{ minWidth: 120 }}>
        <BroadcastStatus status={item.status} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{channelLabel(definition.channel)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{audienceSummary(definition.audience)}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm">{formatCount(summary.recipients)}</Text>
      </Table.Td>
      {item.status === "draft" ? (
        <Table.Td colSpan={2} ta="right">
          <Text size="sm" c="dimmed">
            Not sent
          </Text>
        </Table.Td>
      ) : (
        <>
          <Table.Td ta="right">
            <Text size="sm" fw={500}>
              {formatCount(summary.sent)}
            </Text>
          </Table.Td>
          <Table.Td ta="right">
            <Text size="sm">{formatCount(summary.delivered)}</Text>
          </Table.Td>
        </>
      )}
      <Table.Td pr="lg">
        <Text size="sm" c="dimmed">
          {item.started_at ? `Started ${formatInstant(item.started_at)}` : capitalised(sendSummary(definition.send, formatInstant))}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
