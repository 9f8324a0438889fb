import { ActionIcon, Button, Card, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, Textarea, TextInput, Title } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { ApiError, readable } from "../api/errors";
import { MESSAGE_CHANNELS } from "../journeys/builder/model";
import { templateOptions } from "../journeys/builder/templateOptions";
import { useSegments } from "../segments/api";
import { useTemplates } from "../templates/api";
import { channelLabel } from "../ui/channels";
import { LoadMore } from "../ui/LoadMore";
import { fromLocalInput, METRICS, nextVariantKey, profileIds, toLocalInput, type BroadcastForm } from "./form";

type Props = {
  form: BroadcastForm;
  set: (patch: Partial<BroadcastForm>) => void;
  /** The last save's refusal: the input of the field it names shows it. */
  error: unknown;
  editable: boolean;
  /** Below the audience choice: the CSV upload once the draft is saved. */
  upload: ReactNode;
};

/** The API's message when it names `field` or a field inside it (`audience` for `audience.segment`). */
export function problemAt(error: unknown, ...fields: string[]): string | undefined {
  if (!(error instanceof ApiError) || error.field === null) return undefined;
  const named = error.field;
  return fields.some((field) => named === field || named.startsWith(`${field}.`)) ? readable(error) : undefined;
}

function Section({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <Card>
      <Title order={2} size="h4">
        {title}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {description}
      </Text>
      <Stack gap="sm">{children}</Stack>
    </Card>
  );
}

/** The broadcast as a form: the message, its audience, its timing, and how it is measured. */
export function BroadcastFields({ form, set, error, editable, upload }: Props) {
  const templates = useTemplates();
  const segments = useSegments();
  const complete = templates.isSuccess && !templates.hasNextPage;
  const channels = new Set([...MESSAGE_CHANNELS, "whatsapp", ...templates.items.map((t) => t.channel), form.channel]);
  const templateError = templates.isError ? "The templates could not be loaded" : undefined;
  const segmentOptions = segments.items.map((s) => ({ value: s.key, label: `${s.name} (${s.key})` }));
  if (form.segment && !segmentOptions.some((o) => o.value === form.segment)) segmentOptions.push({ value: form.segment, label: form.segment });
  const ro = !editable;

  return (
    <Stack gap="lg">
      <Section title="Message" description="What goes out, on which channel.">
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <TextInput label="Name" required readOnly={ro} value={form.name} maxLength={200} onChange={(e) => set({ name: e.currentTarget.value })} error={problemAt(error, "name")} />
          <Select
            label="Channel"
            data={[...channels].filter(Boolean).map((value) => ({ value, label: channelLabel(value) }))}
            value={form.channel || null}
            allowDeselect={false}
            readOnly={ro}
            onChange={(value) => set({ channel: value ?? "" })}
            error={problemAt(error, "channel")}
          />
          <Select
            label="Template"
            placeholder={templates.isPending ? "Loading templates…" : "Choose a template"}
            data={templateOptions(templates.items, form.channel, form.template, complete)}
            value={form.template || null}
            searchable
            readOnly={ro}
            nothingFoundMessage={`No ${channelLabel(form.channel)} template`}
            onChange={(value) => set({ template: value ?? "" })}
            error={problemAt(error, "template") ?? templateError}
            data-testid="field-template"
          />
          <TextInput
            label="Subscription group (optional)"
            description="Only people subscribed to it get the message."
            readOnly={ro}
            value={form.subscriptionGroup}
            onChange={(e) => set({ subscriptionGroup: e.currentTarget.value })}
            error={problemAt(error, "subscription_group")}
          />
        </SimpleGrid>
        <LoadMore list={templates} label="Load more templates" size="xs" />
      </Section>

      <Section title="Audience" description="Whom it goes to. A segment's members are taken when it is sent.">
        <SegmentedControl
          aria-label="Audience"
          value={form.audience}
          readOnly={ro}
          onChange={(value) => set({ audience: value as BroadcastForm["audience"] })}
          data={[
            { value: "segment", label: "A segment" },
            { value: "profiles", label: "A list of profiles" },
            { value: "upload", label: "A CSV upload" },
          ]}
          data-testid="field-audience"
        />
        {form.audience === "segment" ? (
          <>
            <Select
              label="Segment"
              placeholder={segments.isPending ? "Loading segments…" : "Choose a segment"}
              data={segmentOptions}
              value={form.segment || null}
              searchable
              readOnly={ro}
              onChange={(value) => set({ segment: value ?? "" })}
              error={problemAt(error, "audience") ?? (segments.isError ? "The segments could not be loaded" : undefined)}
              data-testid="field-segment"
            />
            <LoadMore list={segments} label="Load more segments" size="xs" />
          </>
        ) : form.audience === "profiles" ? (
          <Textarea
            label="Profile ids"
            description={`One a line, up to 10,000; ${profileIds(form.profiles).length} given. Longer lists go in a CSV upload.`}
            autosize
            minRows={3}
            maxRows={10}
            readOnly={ro}
            value={form.profiles}
            onChange={(e) => set({ profiles: e.currentTarget.value })}
            error={problemAt(error, "audience")}
            ff="monospace"
          />
        ) : (
          upload
        )}
      </Section>

      <Section title="Timing" description="When it goes, and how fast.">
        <SegmentedControl
          aria-label="When it goes"
          value={form.send}
          readOnly={ro}
          onChange={(value) => set({ send: value as BroadcastForm["send"] })}
          data={[
            { value: "now", label: "As soon as it is sent" },
            { value: "at", label: "At a time" },
            { value: "local", label: "At a local time for each person" },
          ]}
          data-testid="field-send"
        />
        {form.send === "at" ? (
          <TextInput
            type="datetime-local"
            label="Date and time"
            description="In your time zone."
            readOnly={ro}
            value={toLocalInput(form.at)}
            onChange={(e) => set({ at: fromLocalInput(e.currentTarget.value) })}
            error={problemAt(error, "send")}
            maw={280}
          />
        ) : form.send === "local" ? (
          <Group align="flex-start">
            <TextInput type="date" label="Date" readOnly={ro} value={form.date} onChange={(e) => set({ date: e.currentTarget.value })} error={problemAt(error, "send")} />
            <TextInput type="time" label="Time in each person's zone" readOnly={ro} value={form.localTime} onChange={(e) => set({ localTime: e.currentTarget.value })} />
          </Group>
        ) : null}
        <Select
          label="Throttle"
          value={form.throttle}
          allowDeselect={false}
          readOnly={ro}
          onChange={(value) => set({ throttle: (value ?? "none") as BroadcastForm["throttle"] })}
          data={[
            { value: "none", label: "As fast as the channel allows" },
            { value: "per_minute", label: "At most a number of messages a minute" },
            { value: "spread", label: "Spread evenly over some hours" },
          ]}
          maw={380}
        />
        {form.throttle === "per_minute" ? (
          <NumberInput label="Messages a minute" min={1} max={1_000_000} readOnly={ro} value={form.perMinute} onChange={(v) => set({ perMinute: typeof v === "number" ? v : "" })} error={problemAt(error, "throttle")} maw={220} />
        ) : form.throttle === "spread" ? (
          <NumberInput label="Hours" min={0.1} max={168} decimalScale={2} readOnly={ro} value={form.spreadHours} onChange={(v) => set({ spreadHours: typeof v === "number" ? v : "" })} error={problemAt(error, "throttle")} maw={220} />
        ) : null}
        <NumberInput
          label="Priority"
          description="Against journeys' messages, as the workspace policy weighs them (0 to 100)."
          min={0}
          max={100}
          readOnly={ro}
          value={form.priority}
          onChange={(v) => set({ priority: typeof v === "number" ? v : "" })}
          error={problemAt(error, "priority")}
          maw={420}
        />
      </Section>

      <Section title="Measure" description="An A/B test of the content on a sample, a holdout that gets nothing, and the goal that counts as a conversion.">
        <Switch label="Test variants on a sample first" checked={form.abTest} disabled={ro} onChange={(e) => set({ abTest: e.currentTarget.checked })} data-testid="field-ab-test" />
        {form.abTest ? (
          <Stack gap="xs" pl="md">
            {form.variants.map((variant, index) => (
              <Group key={index} align="flex-end" wrap="nowrap">
                <TextInput
                  label={`Variant ${index + 1} key`}
                  readOnly={ro}
                  value={variant.key}
                  onChange={(e) => set({ variants: form.variants.map((v, i) => (i === index ? { ...v, key: e.currentTarget.value } : v)) })}
                  error={problemAt(error, `ab_test.variants.${index}.key`)}
                  w={160}
                />
                <Select
                  label={`Variant ${index + 1} template`}
                  data={templateOptions(templates.items, form.channel, variant.template, complete)}
                  value={variant.template || null}
                  searchable
                  readOnly={ro}
                  onChange={(value) => set({ variants: form.variants.map((v, i) => (i === index ? { ...v, template: value ?? "" } : v)) })}
                  error={problemAt(error, `ab_test.variants.${index}.template`)}
                  style={{ flex: 1 }}
                />
                {editable && form.variants.length > 2 ? (
                  <ActionIcon variant="subtle" color="red" size="lg" aria-label={`Remove variant ${index + 1}`} onClick={() => set({ variants: form.variants.filter((_, i) => i !== index) })}>
                    <IconTrash size={16} aria-hidden />
                  </ActionIcon>
                ) : null}
              </Group>
            ))}
            {error instanceof ApiError && (error.field === "ab_test" || error.field === "ab_test.variants") ? (
              <Text size="xs" c="red.8">
                {readable(error)}
              </Text>
            ) : null}
            {editable && form.variants.length < 10 ? (
              <Button
                variant="subtle"
                size="compact-sm"
                leftSection={<IconPlus size={14} aria-hidden />}
                onClick={() => set({ variants: [...form.variants, { key: nextVariantKey(form.variants), template: "" }] })}
                w="fit-content"
              >
                Add a variant
              </Button>
            ) : null}
            <Group align="flex-start">
              <NumberInput label="Sample" suffix="%" min={1} max={99} readOnly={ro} value={form.samplePercent} onChange={(v) => set({ samplePercent: typeof v === "number" ? v : "" })} error={problemAt(error, "ab_test.sample")} w={140} />
              <Select label="Winner by" data={METRICS} value={form.metric} allowDeselect={false} readOnly={ro} onChange={(value) => set({ metric: (value ?? "opens") as BroadcastForm["metric"] })} error={problemAt(error, "ab_test.metric")} w={200} />
              <TextInput label="Wait before choosing" description="Like 4h or 1d." readOnly={ro} value={form.wait} onChange={(e) => set({ wait: e.currentTarget.value })} error={problemAt(error, "ab_test.wait")} w={180} />
            </Group>
          </Stack>
        ) : null}
        <NumberInput
          label="Holdout"
          description="A share of the audience that gets nothing, to measure the lift against."
          suffix="%"
          min={0}
          max={99}
          decimalScale={2}
          readOnly={ro}
          value={form.holdoutPercent}
          onChange={(v) => set({ holdoutPercent: typeof v === "number" ? v : "" })}
          error={problemAt(error, "holdout")}
          maw={220}
        />
        <Switch label="Count a goal" checked={form.goal} disabled={ro} onChange={(e) => set({ goal: e.currentTarget.checked })} data-testid="field-goal" />
        {form.goal ? (
          <Group align="flex-start" pl="md">
            <TextInput label="Goal event" placeholder="Order Completed" readOnly={ro} value={form.goalEvent} onChange={(e) => set({ goalEvent: e.currentTarget.value })} error={problemAt(error, "goal.event", "goal")} />
            <TextInput label="Within" description="Like 7d." readOnly={ro} value={form.goalWithin} onChange={(e) => set({ goalWithin: e.currentTarget.value })} error={problemAt(error, "goal.within")} w={140} />
          </Group>
        ) : null}
      </Section>
    </Stack>
  );
}
