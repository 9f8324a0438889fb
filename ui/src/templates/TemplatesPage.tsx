import { Anchor, Badge, Card, Loader, SegmentedControl, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { timeAgo } from "../analytics/dates";
import { LoadMore } from "../shell/LoadMore";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { ErrorNotice } from "../ui/ErrorNotice";
import { PageHeader } from "../ui/PageHeader";
import { useCursorPages } from "../ui/pages";
import { channelLabel, fetchTemplates, PARTS, type Template } from "./api";

const ALL = "all";

/** What the template says first: its subject or title, else the start of its text. */
function gist(template: Template): string {
  const first = PARTS.map((part) => template[part]).find((value) => value?.trim());
  const plain = (first ?? "").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return plain.length > 90 ? `${plain.slice(0, 89)}…` : plain;
}

export default function TemplatesPage() {
  const templates = useCursorPages(["templates"], () => fetchTemplates());
  const [channel, setChannel] = useState(ALL);
  const channels = [...new Set(templates.items.map((template) => template.channel))].sort();
  const shown = templates.items.filter((template) => channel === ALL || template.channel === channel);
  const count = (name: string) => templates.items.filter((template) => name === ALL || template.channel === name).length;

  return (
    <>
      <PageHeader title="Templates" description="The messages journeys send: e-mail, SMS, push, in-app and more, personalised with Liquid." />
      <ReadOnlyNote>Templates are read-only here for now: open one to read it and preview it for a real profile.</ReadOnlyNote>
      {templates.isError ? (
        <ErrorNotice error={templates.error} title="Could not load the templates" />
      ) : templates.isPending ? (
        <Loader aria-label="Loading templates" />
      ) : !templates.items.length ? (
        <Text c="dimmed">This workspace has no templates yet.</Text>
      ) : (
        <Stack gap="md">
          <SegmentedControl
            aria-label="Channel"
            value={channel}
            onChange={setChannel}
            data={[ALL, ...channels].map((name) => ({
              value: name,
              label: `${name === ALL ? "All" : channelLabel(name)} (${count(name)})`,
            }))}
            style={{ alignSelf: "flex-start", maxWidth: "100%", overflowX: "auto" }}
          />
          <Card padding={0}>
            <Table.ScrollContainer minWidth={640}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Template</Table.Th>
                    <Table.Th scope="col">Channel</Table.Th>
                    <Table.Th scope="col">Says</Table.Th>
                    <Table.Th scope="col">Last changed</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((template) => (
                    <Table.Tr key={template.key}>
                      <Table.Td>
                        <Anchor component={Link} to={`/templates/${encodeURIComponent(template.key)}`} fw={600} size="sm">
                          {template.name || template.key}
                        </Anchor>
                        <Text size="xs" c="dimmed" ff="monospace">
                          {template.key}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge color="gray">{channelLabel(template.channel)}</Badge>
                      </Table.Td>
                      <Table.Td maw={420}>
                        <Text size="sm" lineClamp={2}>
                          {gist(template)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                          {timeAgo(template.updated_at)}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
          <LoadMore hasMore={templates.hasNextPage} loading={templates.isFetchingNextPage} onLoad={() => void templates.fetchNextPage()} />
        </Stack>
      )}
    </>
  );
}
