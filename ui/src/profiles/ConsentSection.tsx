import { Badge, Paper, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { readable } from "../api/errors";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { Loading } from "../ui/Loading";
import { TableHead } from "../ui/TableHead";
import { getConsent, setConsent, subscriptionGroups, type Consent } from "./api";
import { consentRows, type ConsentRow } from "./consent";

function Choice({ row, profileId, editable }: { row: ConsentRow; profileId: string; editable: boolean }) {
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: (subscribed: boolean) => setConsent(profileId, row.group, subscribed),
    onSuccess: (answer) => {
      client.setQueryData<Consent>(["profiles", profileId, "consent"], answer);
      if (answer.pending_confirmation) {
        notifications.show({ title: "Confirmation e-mail sent", message: `${row.label} starts once the person confirms by the link.` });
      }
    },
  });
  if (!editable) {
    return <Badge color={row.subscribed ? "green" : "gray"}>{row.subscribed ? "Subscribed" : "Not subscribed"}</Badge>;
  }
  return (
    <Stack gap={4}>
      <Switch
        checked={row.subscribed}
        onChange={(e) => change.mutate(e.currentTarget.checked)}
        disabled={change.isPending}
        label={row.subscribed ? "Subscribed" : "Not subscribed"}
        aria-label={`Subscribed to ${row.label}`}
      />
      {change.isError ? (
        <Text size="xs" c="red.8" role="alert">
          {readable(change.error)}
        </Text>
      ) : null}
    </Stack>
  );
}

/** Consent per subscription group and channel; people allowed to manage privacy change it. */
export function ConsentSection({ profileId, traits }: { profileId: string; traits: Record<string, unknown> }) {
  const { can } = useSession();
  const consent = useQuery({ queryKey: ["profiles", profileId, "consent"], queryFn: () => getConsent(profileId) });
  const groups = useQuery({ queryKey: ["policy", "subscription-groups"], queryFn: subscriptionGroups, enabled: can("read_definitions") });
  if (consent.isPending) {
    return (
      <Loading label="Loading consent" />
    );
  }
  if (consent.isError) return <ErrorNotice error={consent.error} title="Could not load consent" />;
  const rows = consentRows(consent.data, traits, groups.data ?? {});
  const editable = can("manage_privacy");
  return (
    <Stack gap="lg">
      <ErrorNotice error={groups.error} title="Could not load the subscription groups" />
      <Paper withBorder>
        <Table.ScrollContainer minWidth={560}>
          <Table>
            <TableHead columns={["Messages of", "Consent", "Why"]} />
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.group} data-testid={`consent-${row.group}`}>
                  <Table.Td>
                    <Text size="sm" fw={row.scope === "group" ? 400 : 550}>
                      {row.label}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Choice row={row} profileId={profileId} editable={editable} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{row.basis}</Text>
                    {row.changedAt ? (
                      <Text size="xs" c="dimmed">
                        {formatInstant(row.changedAt)}
                      </Text>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      {consent.data.history.length > 0 ? (
        <div>
          <Title order={3} mb="xs">
            Recent changes
          </Title>
          <Stack gap={4}>
            {consent.data.history.slice(0, 10).map((change, index) => (
              <Text key={`${change.at}-${change.group}-${index}`} size="sm">
                {formatInstant(change.at)}: {change.subscribed ? "subscribed to" : "left"} {change.group === "*" ? "all marketing" : change.group} (
                {change.source.replaceAll("_", " ")})
              </Text>
            ))}
          </Stack>
        </div>
      ) : null}
    </Stack>
  );
}
