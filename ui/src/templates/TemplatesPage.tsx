import { Badge, Button, Card, SegmentedControl, Stack, Table, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { useSession } from "../auth/session";
import { channelLabel } from "../ui/channels";
import { ErrorNotice } from "../ui/ErrorNotice";
import { timeAgo } from "../ui/format";
import { ItemCell } from "../ui/ItemCell";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { PageHeader } from "../ui/PageHeader";
import { TableHead } from "../ui/TableHead";
import { PARTS, useTemplates, type Template } from "./api";
import { NewTemplateModal } from "./NewTemplateModal";

const ALL = "all";

/** What the template says first: its subject or title, else the start of its text. */
function gist(template: Template): string {
  const first = PARTS.map((part) => template[part]).find((value) => value?.trim());
  const plain = (first ?? "").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return plain.length > 90 ? `${plain.slice(0, 89)}…` : plain;
}

export default function TemplatesPage() {
  const templates = useTemplates();
  const { can } = useSession();
  const [creating, setCreating] = useState(false);
  const [channel, setChannel] = useState(ALL);
  const all = templates.items;
  const channels = [...new Set(all.map((template) => template.channel))].sort();
  const shown = all.filter((template) => channel === ALL || template.channel === channel);
  // Counted among the templates loaded so far: "+" while there are more to load.
  const count = (name: string) =>
    `${all.filter((template) => name === ALL || template.channel === name).length}${templates.hasNextPage ? "+" : ""}`;

  return (
    <>
      <PageHeader
        title="Templates"
        description="The messages journeys send: e-mail, SMS, push, in-app and more, personalised with Liquid."
        actions={
          can("edit_content") ? (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New template
            </Button>
          ) : null
        }
      />
      {creating ? <NewTemplateModal opened onClose={() => setCreating(false)} /> : null}
      {templates.isError ? (
        <ErrorNotice error={templates.error} title="Could not load the templates" />
      ) : templates.isPending ? (
        <Loading label="Loading templates" />
      ) : !all.length ? (
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
                <TableHead columns={["Template", "Channel", "Says", "Last changed"]} />
                <Table.Tbody>
                  {shown.map((template) => (
                    <Table.Tr key={template.key}>
                      <Table.Td>
                        <ItemCell to={`/templates/${encodeURIComponent(template.key)}`} name={template.name} itemKey={template.key} />
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
        </Stack>
      )}
      <LoadMore list={templates} />
    </>
  );
}
