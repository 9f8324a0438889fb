import { Box, Button, Card, Loader, Stack, Table, Text, TextInput } from "@mantine/core";
import { IconPlus, IconSearch } from "@tabler/icons-react";
import { useState } from "react";
import { readable } from "../api/errors";
import { useSession } from "../auth/session";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, timeAgo } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { PageHeader } from "../ui/PageHeader";
import { TableHead } from "../ui/TableHead";
import { useCount, useDefinitions, type Collection, type Stored } from "./api";
import { NewDefinitionModal } from "./NewDefinitionModal";
import { SegmentStatus } from "./SegmentStatus";

type Wording = { title: string; description: string; noun: string; plural: string; counted: string; detail?: (definition: Record<string, unknown>) => string };

/** The segments or computed traits of the workspace, by key, page by page, with their counts. */
export function DefinitionList({ collection, wording }: { collection: Collection; wording: Wording }) {
  const { can } = useSession();
  const definitions = useDefinitions<Record<string, unknown>>(collection);
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const wanted = search.trim().toLowerCase();
  const all = definitions.items;
  const shown = all.filter((item) => !wanted || item.name.toLowerCase().includes(wanted) || item.key.includes(wanted));
  const columns = [wording.noun, ...(wording.detail ? ["Reads"] : []), "Status", { label: wording.counted, right: true }, { label: "Version", right: true }, "Last changed"];

  return (
    <>
      <PageHeader
        title={wording.title}
        description={wording.description}
        actions={
          can("edit_content") ? (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New {wording.noun.toLowerCase()}
            </Button>
          ) : null
        }
      />
      {can("edit_content") ? null : <ReadOnlyNote>Your role can read {wording.plural} but not change them.</ReadOnlyNote>}
      <Card padding={0}>
        <Stack p="md" pb="xs">
          <TextInput
            aria-label={`Search ${wording.plural}`}
            placeholder="Search by name or key"
            leftSection={<IconSearch size={16} aria-hidden />}
            value={search}
            onChange={(event) => setSearch(event.currentTarget.value)}
            maw={360}
          />
        </Stack>
        {definitions.isError ? (
          <Stack p="md">
            <ErrorNotice error={definitions.error} title={`Could not load the ${wording.plural}`} />
          </Stack>
        ) : definitions.isPending ? (
          <Loading label={`Loading ${wording.plural}`} />
        ) : !shown.length ? (
          <Text c="dimmed" p="md">
            {!all.length
              ? `This workspace has no ${wording.plural} yet.`
              : definitions.hasNextPage
                ? `No ${wording.noun.toLowerCase()} loaded so far matches the search.`
                : `No ${wording.noun.toLowerCase()} matches the search.`}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640} type="native" tabIndex={0} role="region" aria-label={wording.title}>
            <Table>
              <TableHead columns={columns} />
              <Table.Tbody>
                {shown.map((item) => (
                  <Row key={item.id} collection={collection} item={item} detail={wording.detail} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {definitions.hasNextPage ? (
          <Box pb="md">
            <LoadMore list={definitions} />
          </Box>
        ) : null}
      </Card>
      {creating ? <NewDefinitionModal collection={collection} opened onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function Row({ collection, item, detail }: { collection: Collection; item: Stored<Record<string, unknown>>; detail: Wording["detail"] }) {
  const count = useCount(collection, item.key);
  return (
    <Table.Tr>
      <Table.Td>
        <ItemCell to={`/${collection}/${encodeURIComponent(item.key)}`} name={item.name} itemKey={item.key} />
      </Table.Td>
      {detail ? (
        <Table.Td>
          <Text size="sm">{detail(item.definition)}</Text>
        </Table.Td>
      ) : null}
      {/* Room for the whole badge: a narrow table would cut "Live" short. */}
      <Table.Td style={{ minWidth: 110 }}>
        <SegmentStatus status={item.status} progress={item.progress} />
      </Table.Td>
      <Table.Td ta="right">
        {count.isPending ? (
          <Loader size="xs" aria-label={`Counting ${item.name}`} />
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
        <Text size="sm">{item.version}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c="dimmed">
          {timeAgo(item.updated_at)}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
