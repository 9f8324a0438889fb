import { Badge, Group, Paper, Select, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { TableHead } from "../ui/TableHead";
import { listVersions, type VersionSummary } from "./api";
import { journeyKeys } from "./queries";
import { VersionCompare } from "./VersionCompare";

const LOOK: Record<VersionSummary["status"], { color: string; label: string }> = {
  draft: { color: "gray", label: "Draft" },
  published: { color: "green", label: "Published" },
  superseded: { color: "dark", label: "Replaced" },
};

function label(version: VersionSummary): string {
  return `Version ${version.version} (${LOOK[version.status].label.toLowerCase()})`;
}

/** Every saved version of the journey; any two of them compared on the canvas and as YAML. */
export function VersionsTab({ journeyKey }: { journeyKey: string }) {
  const versions = useCursorPages(journeyKeys.versions(journeyKey), (cursor) => listVersions(journeyKey, cursor));
  const [picked, setPicked] = useState<{ older: string | null; newer: string | null }>({ older: null, newer: null });
  const items = [...versions.items].sort((a, b) => b.version - a.version);
  const options = items.map((version) => ({ value: String(version.version), label: label(version) }));
  // Until two are picked: the newest and the one before it.
  const newer = picked.newer ?? (items[0] ? String(items[0].version) : null);
  const older = picked.older ?? (items[1] ? String(items[1].version) : null);

  if (versions.isPending) {
    return (
      <Loading />
    );
  }
  return (
    <Stack>
      <ErrorNotice error={versions.error} title="Could not load the versions" />
      <Paper withBorder>
        <Table.ScrollContainer minWidth={600}>
          <Table verticalSpacing="xs">
            <TableHead columns={["Version", "Status", "Last saved", "By", "Published"]} />
            <Table.Tbody>
              {items.map((version) => (
                <Table.Tr key={version.version}>
                  <Table.Td>Version {version.version}</Table.Td>
                  <Table.Td>
                    <Badge variant="dot" color={LOOK[version.status].color}>
                      {LOOK[version.status].label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{formatInstant(version.created_at)}</Table.Td>
                  <Table.Td>{version.created_by ?? "–"}</Table.Td>
                  <Table.Td>{formatInstant(version.published_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <LoadMore list={versions} label="Load older versions" size="xs" />
      </Paper>
      {items.length < 2 ? (
        <Text c="dimmed" size="sm">
          There is only one version so far. Each time you save after publishing, a new version starts, and you can compare them here.
        </Text>
      ) : (
        <>
          <Group gap="sm" wrap="wrap" align="flex-end">
            <Select
              label="Compare"
              data={options}
              value={older}
              onChange={(value) => setPicked({ older: value, newer })}
              allowDeselect={false}
              w={240}
            />
            <Select
              label="With"
              data={options}
              value={newer}
              onChange={(value) => setPicked({ older, newer: value })}
              allowDeselect={false}
              w={240}
            />
          </Group>
          {older !== null && newer !== null && older !== newer ? (
            <VersionCompare journeyKey={journeyKey} older={Math.min(+older, +newer)} newer={Math.max(+older, +newer)} />
          ) : (
            <Text c="dimmed" size="sm">
              Pick two different versions to see what changed.
            </Text>
          )}
        </>
      )}
    </Stack>
  );
}
