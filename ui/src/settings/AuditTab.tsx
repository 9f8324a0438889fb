import { Box, Button, Group, Loader, Switch, Table, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { fieldError } from "../api/errors";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
import { fetchAudit, type AuditEntry, type AuditFilter } from "./api";

const NO_FILTER: AuditFilter = { actor: "", action: "", object: "", from: "", to: "" };

/** "journey.publish" → "journey publish": actions as words. */
const words = (action: string) => action.replace(/[._]/g, " ");

function objectOf(entry: AuditEntry): string {
  if (!entry.object) return "–";
  return entry.object.id ? `${entry.object.type} ${entry.object.id}` : entry.object.type;
}

/** Who changed what and when, newest first, fifty at a time. */
export function AuditTab() {
  const [draft, setDraft] = useState<AuditFilter>(NO_FILTER);
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  // Signing in and out outnumbers the changes many times over, and the changes are what
  // a trail is mostly read for.
  const [signIns, setSignIns] = useState(false);
  const trail = useCursorPages(["audit", filter, signIns], fetchAudit(filter, signIns));
  const input = (field: keyof AuditFilter, label: string, placeholder: string, type = "text", apiField: string = field) => (
    <TextInput
      label={label}
      placeholder={placeholder}
      type={type}
      value={draft[field]}
      onChange={(event) => {
        const value = event.currentTarget.value;
        setDraft((current) => ({ ...current, [field]: value }));
      }}
      error={fieldError(trail.error, apiField)}
      w={type === "date" ? 160 : 200}
    />
  );
  return (
    <TableCard title="Audit trail" description="Every change to this workspace, and its members signing in and out, newest first.">
      <Box
        component="form"
        px="lg"
        pb="md"
        aria-label="Filter the audit trail"
        onSubmit={(event: React.FormEvent) => {
          event.preventDefault();
          setFilter(draft);
        }}
      >
        <Group align="flex-end" wrap="wrap" gap="sm">
          {input("actor", "Who", "E-mail, user or key id")}
          {input("action", "Action", "journey.publish")}
          {input("object", "Target", "journey:welcome")}
          {input("from", "From", "", "date")}
          {input("to", "To", "", "date")}
          <Button type="submit" variant="default">
            Filter
          </Button>
          <Switch label="Show signing in and out" checked={signIns} onChange={(event) => setSignIns(event.currentTarget.checked)} mb={8} />
          {filter !== NO_FILTER ? (
            <Button variant="subtle" onClick={() => { setDraft(NO_FILTER); setFilter(NO_FILTER); }}>
              Clear
            </Button>
          ) : null}
        </Group>
      </Box>
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
            {filter === NO_FILTER ? "Nothing has happened yet." : "Nothing matches these filters."}
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
