import { ActionIcon, Button, Card, Divider, Group, MultiSelect, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { ApiError, readable } from "../api/errors";
import { channelLabel } from "../ui/channels";
import { FormError } from "../ui/FormError";
import { TableHead } from "../ui/TableHead";
import { savePolicy, type Policy } from "./api";
import { formField, formOf, newCap, policyOf, problems, type CapRow, type TimingForm } from "./policyForm";

const CHANNELS = ["email", "sms", "push", "inbox", "chat", "task"].map((value) => ({ value, label: channelLabel(value) }));
const ANY = "";
const ZONES = Intl.supportedValuesOf("timeZone");

/** The frequency caps, quiet hours and time zone, edited and saved as the workspace's policy. */
export function PolicyForm({ policy }: { policy: Policy }) {
  const client = useQueryClient();
  const [form, setForm] = useState<TimingForm>(() => formOf(policy));
  const [tried, setTried] = useState(false);
  const save = useMutation({
    mutationFn: () => savePolicy(policyOf(policy, form)),
    onSuccess: (saved) => {
      client.setQueryData(["policy"], saved);
      setForm(formOf(saved));
      setTried(false);
      notifications.show({ color: "green", title: "Policy saved", message: "New messages follow it from now on." });
    },
  });
  const local = useMemo(() => problems(form), [form]);
  const apiField = save.error instanceof ApiError ? formField(save.error.field) : null;
  const errorAt = (field: string): string | undefined =>
    (tried ? local[field] : undefined) ?? (apiField === field ? readable(save.error) : undefined);
  const groups = Object.keys(policy.subscription_groups).map((name) => ({ value: name, label: name }));
  const setCap = (index: number, change: Partial<CapRow>) =>
    setForm((current) => ({ ...current, caps: current.caps.map((cap, at) => (at === index ? { ...cap, ...change } : cap)) }));
  const shownAt = Object.keys(local).concat(
    form.caps.flatMap((_, index) => ["name", "max", "per", "channel", "subscription_group"].map((part) => `caps.${index}.${part}`)),
    ["timezone", "quiet_hours.start", "quiet_hours.end", "quiet_hours.channels"],
  );

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setTried(true);
    if (Object.keys(local).length === 0) save.mutate();
  }

  return (
    <Card component="form" onSubmit={submit} noValidate aria-label="Frequency caps and quiet hours">
      <Stack gap="md">
        <div>
          <Title order={2} size="h4">
            Frequency caps
          </Title>
          <Text size="sm" c="dimmed">
            The most messages one person gets in a rolling period, across every journey. A message over a cap is held back, not sent.
          </Text>
        </div>
        {form.caps.length ? (
          <Table.ScrollContainer minWidth={640} type="native">
            <Table verticalSpacing="xs" data-testid="caps">
              <TableHead columns={["Name", "At most", "Per", "Channel", "Subscription group", "Remove"]} />
              <Table.Tbody>
                {form.caps.map((cap, index) => (
                  <Table.Tr key={index}>
                    <Table.Td>
                      <TextInput aria-label={`Name of cap ${index + 1}`} value={cap.name} error={errorAt(`caps.${index}.name`)} onChange={(e) => setCap(index, { name: e.currentTarget.value })} />
                    </Table.Td>
                    <Table.Td w={110}>
                      <TextInput aria-label={`At most, cap ${index + 1}`} inputMode="numeric" value={cap.max} error={errorAt(`caps.${index}.max`)} onChange={(e) => setCap(index, { max: e.currentTarget.value })} />
                    </Table.Td>
                    <Table.Td w={110}>
                      <TextInput aria-label={`Per period, cap ${index + 1}`} value={cap.per} error={errorAt(`caps.${index}.per`)} onChange={(e) => setCap(index, { per: e.currentTarget.value })} />
                    </Table.Td>
                    <Table.Td>
                      <Select
                        aria-label={`Channel, cap ${index + 1}`}
                        data={[{ value: ANY, label: "Any channel" }, ...CHANNELS]}
                        value={cap.channel}
                        allowDeselect={false}
                        error={errorAt(`caps.${index}.channel`)}
                        onChange={(value) => setCap(index, { channel: value ?? ANY })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Select
                        aria-label={`Subscription group, cap ${index + 1}`}
                        data={[{ value: ANY, label: "Any group" }, ...groups]}
                        value={cap.subscription_group}
                        allowDeselect={false}
                        error={errorAt(`caps.${index}.subscription_group`)}
                        onChange={(value) => setCap(index, { subscription_group: value ?? ANY })}
                      />
                    </Table.Td>
                    <Table.Td w={48}>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Remove cap ${cap.name || index + 1}`}
                        onClick={() => setForm((current) => ({ ...current, caps: current.caps.filter((_, at) => at !== index) }))}
                      >
                        <IconTrash size={16} aria-hidden />
                      </ActionIcon>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : (
          <Text size="sm" c="dimmed">
            No frequency caps: journeys send as often as they are built to.
          </Text>
        )}
        <Group>
          <Button variant="default" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setForm((current) => ({ ...current, caps: [...current.caps, newCap(current.caps)] }))}>
            Add a cap
          </Button>
        </Group>
        <Divider />
        <div>
          <Title order={2} size="h4">
            Quiet hours
          </Title>
          <Text size="sm" c="dimmed">
            Local times in the workspace's time zone when nothing but transactional messages goes out; what falls in them waits until they end.
          </Text>
        </div>
        <Select
          label="Time zone"
          searchable
          clearable
          placeholder="UTC"
          data={ZONES}
          value={form.timezone || null}
          error={errorAt("timezone")}
          onChange={(value) => setForm((current) => ({ ...current, timezone: value ?? "" }))}
          maw={360}
        />
        <Switch label="Keep quiet hours" checked={form.quiet} onChange={(e) => setForm((current) => ({ ...current, quiet: e.currentTarget.checked }))} />
        {form.quiet ? (
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label="Quiet from" type="time" value={form.start} error={errorAt("quiet_hours.start")} onChange={(e) => setForm((current) => ({ ...current, start: e.currentTarget.value }))} />
            <TextInput label="Until" type="time" value={form.end} error={errorAt("quiet_hours.end")} onChange={(e) => setForm((current) => ({ ...current, end: e.currentTarget.value }))} />
            <MultiSelect
              label="On the channels"
              placeholder={form.channels.length ? undefined : "Every channel"}
              data={CHANNELS}
              value={form.channels}
              error={errorAt("quiet_hours.channels")}
              onChange={(channels) => setForm((current) => ({ ...current, channels }))}
            />
          </SimpleGrid>
        ) : null}
        {tried && Object.keys(local).length ? (
          <Text c="red.8" size="sm" role="alert">
            Some values need fixing before the policy can be saved.
          </Text>
        ) : null}
        <FormError error={save.error} shownAt={shownAt} />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => { setForm(formOf(policy)); setTried(false); save.reset(); }}>
            Undo changes
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save policy
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
