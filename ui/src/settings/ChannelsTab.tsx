import { Button, Card, Group, Loader, PasswordInput, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fieldError } from "../api/errors";
import { useSession } from "../auth/session";
import { channelLabel } from "../ui/channels";
import { ErrorNotice } from "../ui/ErrorNotice";
import { FormError } from "../ui/FormError";
import { formatInstant } from "../ui/format";
import { fetchChannels, saveChannel, type ChannelSettings } from "./api";
import { bodyOf, CHANNEL_FIELDS, complaint, MASK, valuesOf, type ChannelValues, type Field } from "./channelForm";

/** Each channel's provider: configured ones with their settings (secrets masked), and a
 * way to set up the others. */
export function ChannelsTab() {
  const channels = useQuery({ queryKey: ["channels"], queryFn: fetchChannels });
  const [adding, setAdding] = useState<string | null>(null);
  if (channels.isError) return <ErrorNotice error={channels.error} title="Could not load the channels" />;
  if (channels.isPending) return <Loader aria-label="Loading the channels" />;
  const configured = new Set(channels.data.items.map((item) => item.channel));
  const others = Object.keys(CHANNEL_FIELDS).filter((channel) => !configured.has(channel));
  return (
    <Stack gap="lg">
      <Text size="sm" c="dimmed">
        Secrets are never shown again once saved: leave a secret empty to keep it, or type a new one to replace it (the old one stays accepted for 30 days).
      </Text>
      {channels.data.items.map((item) => (
        <ChannelForm key={item.channel} channel={item.channel} shown={item} />
      ))}
      {adding ? <ChannelForm key={`new-${adding}`} channel={adding} onDone={() => setAdding(null)} /> : null}
      {others.length ? <Unconnected channels={others.filter((channel) => channel !== adding)} onSetUp={setAdding} /> : null}
    </Stack>
  );
}

/** The channels with no provider yet, each with what that means and, for those who may
 * manage integrations, a way to connect one. */
function Unconnected({ channels, onSetUp }: { channels: string[]; onSetUp: (channel: string) => void }) {
  const { can } = useSession();
  if (!channels.length) return null;
  return (
    <Card>
      <Title order={2} size="h4" mb={4}>
        Not connected yet
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Messages on these channels are recorded as delivered and nothing is sent, which suits trying journeys out.
      </Text>
      <Table verticalSpacing="xs">
        <Table.Tbody>
          {channels.map((channel) => (
            <Table.Tr key={channel}>
              <Table.Th scope="row" fw={500}>
                {channelLabel(channel)}
              </Table.Th>
              <Table.Td ta="right">
                {can("manage_integrations") ? (
                  <Button size="xs" variant="light" onClick={() => onSetUp(channel)} aria-label={`Set up ${channelLabel(channel)}`}>
                    Set up
                  </Button>
                ) : (
                  <Text size="sm" c="dimmed" span>
                    No provider
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function ChannelForm({ channel, shown, onDone }: { channel: string; shown?: ChannelSettings; onDone?: () => void }) {
  const { can } = useSession();
  const client = useQueryClient();
  const editable = can("manage_integrations");
  const [values, setValues] = useState<ChannelValues>(() => valuesOf(channel, shown));
  const save = useMutation({
    mutationFn: () => saveChannel(channel, bodyOf(channel, shown, values)),
    onSuccess: (saved) => {
      setValues(valuesOf(channel, saved));
      void client.invalidateQueries({ queryKey: ["channels"] });
      notifications.show({ color: "green", title: `${channelLabel(channel)} saved`, message: "New messages use these settings." });
      onDone?.();
    },
  });
  const fields = CHANNEL_FIELDS[channel] ?? [];
  const set = (name: string, value: string | boolean) => setValues((current) => ({ ...current, [name]: value }));
  const retired = Object.entries(shown?.retired ?? {});

  function control(field: Field) {
    const wrong = fieldError(save.error, field.name);
    const common = { label: field.label, description: field.description, error: wrong && complaint(field, wrong), disabled: !editable, required: field.required && field.kind !== "secret" };
    const value = values[field.name];
    if (field.kind === "switch") return <Switch key={field.name} {...common} mt="lg" checked={value === true} onChange={(e) => set(field.name, e.currentTarget.checked)} />;
    if (field.kind === "select")
      return <Select key={field.name} {...common} data={field.options ?? []} value={typeof value === "string" && value ? value : null} allowDeselect={false} onChange={(next) => set(field.name, next ?? "")} />;
    if (field.kind === "secret") {
      const stored = shown?.[field.name] === MASK;
      return (
        <PasswordInput
          key={field.name}
          {...common}
          description={stored ? "Saved. Leave empty to keep it." : field.description}
          placeholder={stored ? MASK : undefined}
          autoComplete="new-password"
          value={typeof value === "string" ? value : ""}
          onChange={(e) => set(field.name, e.currentTarget.value)}
        />
      );
    }
    return <TextInput key={field.name} {...common} inputMode={field.kind === "number" ? "decimal" : undefined} value={typeof value === "string" ? value : ""} onChange={(e) => set(field.name, e.currentTarget.value)} />;
  }

  return (
    <Card component="form" aria-label={`${channelLabel(channel)} provider`} noValidate onSubmit={(event: React.FormEvent) => { event.preventDefault(); save.mutate(); }}>
      <Title order={2} size="h4" mb="sm">
        {channelLabel(channel)}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        {fields.map(control)}
      </SimpleGrid>
      {retired.length ? (
        <Text size="sm" c="dimmed" mt="sm">
          Replaced secrets still accepted: {retired.map(([name, entries]) => `${name} until ${formatInstant(entries[0]?.until ?? "")}`).join("; ")}.
        </Text>
      ) : null}
      <FormError error={save.error} shownAt={fields.map((field) => field.name)} />
      {editable ? (
        <Group justify="flex-end" mt="md">
          {onDone ? (
            <Button variant="default" onClick={onDone}>
              Cancel
            </Button>
          ) : null}
          <Button type="submit" loading={save.isPending}>
            Save {channelLabel(channel)}
          </Button>
        </Group>
      ) : null}
    </Card>
  );
}
