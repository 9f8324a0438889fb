import { Box, Button, Card, Select, Stack, Table, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useSession } from "../auth/session";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatRate, timeAgo } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { KEY_RULE } from "../ui/keys";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { NewItemModal } from "../ui/NewItemModal";
import { PageHeader } from "../ui/PageHeader";
import { TableHead } from "../ui/TableHead";
import { getPlacement, KIND_LABELS, usePlacements, type Kind, type Placement } from "./api";

const COLUMNS = ["Placement", "Kind", { label: "Variants", right: true }, "Chosen by", { label: "Holdout", right: true }, "Last changed"];

/** The spots on the site whose content Baton chooses for each visitor. */
export default function PlacementsPage() {
  const { can } = useSession();
  const placements = usePlacements();
  const [creating, setCreating] = useState(false);
  const canEdit = can("edit_content");
  return (
    <>
      <PageHeader
        title="Placements"
        description="Banners, pop-ups and inline content on your site, chosen for each known visitor by rules on traits, segments and predictions, or by a journey's decide node. Anonymous visitors see the default."
        actions={
          canEdit ? (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New placement
            </Button>
          ) : null
        }
      />
      {canEdit ? null : <ReadOnlyNote>Your role can read placements but not change them.</ReadOnlyNote>}
      <Card padding={0}>
        {placements.isError ? (
          <Stack p="md">
            <ErrorNotice error={placements.error} title="Could not load the placements" />
          </Stack>
        ) : placements.isPending ? (
          <Loading label="Loading the placements" />
        ) : !placements.items.length ? (
          <Text c="dimmed" p="md">
            No placement yet.{canEdit ? " “New placement” writes one." : ""}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={760} type="native" tabIndex={0} role="region" aria-label="Placements">
            <Table verticalSpacing="sm">
              <TableHead columns={COLUMNS} edge />
              <Table.Tbody>
                {placements.items.map((item) => (
                  <Row key={item.key} item={item} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {placements.hasNextPage ? (
          <Box pb="md">
            <LoadMore list={placements} />
          </Box>
        ) : null}
      </Card>
      {creating ? <NewPlacementModal onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function Row({ item }: { item: Placement }) {
  return (
    <Table.Tr data-testid={`placement-${item.key}`}>
      <Table.Td pl="lg">
        <ItemCell to={`/placements/${encodeURIComponent(item.key)}`} name={item.name} itemKey={item.key} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{KIND_LABELS[item.kind]}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm">{item.variants?.length ?? 0}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{item.decide ? `Journey ${item.decide.journey}, step ${item.decide.node}` : "Rules"}</Text>
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm">{item.holdout ? formatRate(item.holdout) : "None"}</Text>
      </Table.Td>
      <Table.Td pr="lg">
        <Text size="sm" c="dimmed">
          {timeAgo(item.updated_at)}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

function NewPlacementModal({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [kind, setKind] = useState<Kind>("banner");
  return (
    <NewItemModal
      opened
      onClose={onClose}
      noun="placement"
      namePlaceholder="Home page hero"
      keyDescription="What the site's data-baton-placement names. It cannot change later."
      rule={KEY_RULE}
      find={getPlacement}
      onFree={(key, name) => void navigate(`/placements/${encodeURIComponent(key)}?new=1`, { state: { name, kind } })}
      submitLabel="Open the editor"
    >
      <Select
        label="Kind"
        data={(Object.keys(KIND_LABELS) as Kind[]).map((value) => ({ value, label: KIND_LABELS[value] }))}
        value={kind}
        allowDeselect={false}
        onChange={(value) => value && setKind(value as Kind)}
      />
    </NewItemModal>
  );
}
