import { Button, Card, Stack, Table, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { useSession } from "../auth/session";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant, timeAgo } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { Loading } from "../ui/Loading";
import { PageHeader } from "../ui/PageHeader";
import { TableHead } from "../ui/TableHead";
import { usePredictions, type PredictionSummary } from "./api";
import { headline, KIND_LABELS, verdict } from "./metrics";
import { NewPredictionModal } from "./NewPredictionModal";
import { PredictionStatus } from "./PredictionStatus";

const COLUMNS = ["Prediction", "Kind", "Status", { label: "Version", right: true }, "Headline metric", "Last trained"];

/** Every prediction of the workspace: where its training stands and how good its model is. */
export default function PredictionsPage() {
  const { can } = useSession();
  const predictions = usePredictions();
  const [creating, setCreating] = useState(false);
  const canEdit = can("edit_content");
  return (
    <>
      <PageHeader
        title="Predictions"
        description="Models trained on this workspace's own data: who will buy or leave, what a customer is worth, what to recommend, the mood of what people write. Their scores are computed traits that segments, journeys and templates read."
        actions={
          canEdit ? (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New prediction
            </Button>
          ) : null
        }
      />
      {canEdit ? null : <ReadOnlyNote>Your role can read predictions but not change or train them.</ReadOnlyNote>}
      <Card padding={0}>
        {predictions.isError ? (
          <Stack p="md">
            <ErrorNotice error={predictions.error} title="Could not load the predictions" />
          </Stack>
        ) : predictions.isPending ? (
          <Loading label="Loading the predictions" />
        ) : !predictions.data.items.length ? (
          <Text c="dimmed" p="md">
            This workspace has no predictions yet. {canEdit ? "“New prediction” writes one; installing the win-back journey adds a churn model." : ""}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={860} type="native" tabIndex={0} role="region" aria-label="Predictions">
            <Table verticalSpacing="sm">
              <TableHead columns={COLUMNS} edge />
              <Table.Tbody>
                {predictions.data.items.map((item) => (
                  <Row key={item.key} item={item} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {creating ? <NewPredictionModal opened onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function Row({ item }: { item: PredictionSummary }) {
  const judged = verdict(item.kind, item.metrics);
  return (
    <Table.Tr data-testid={`prediction-${item.key}`}>
      <Table.Td pl="lg">
        <ItemCell to={`/predictions/${encodeURIComponent(item.key)}`} name={item.name} itemKey={item.key} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{KIND_LABELS[item.kind]}</Text>
      </Table.Td>
      <Table.Td>
        <PredictionStatus prediction={item} />
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm">{item.version ?? "–"}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{headline(item.kind, item.metrics)}</Text>
        {judged ? (
          <Text size="xs" c={judged.beats ? "teal.9" : "red.9"}>
            {judged.beats ? "Beats its baseline" : "Does not beat its baseline"}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td pr="lg">
        <Text size="sm" c="dimmed" title={formatInstant(item.trained_at)}>
          {item.trained_at ? timeAgo(item.trained_at) : "Never"}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
