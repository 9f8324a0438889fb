import { NumberInput, Select, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { STAGES, stageLabel } from "../../ui/lifecycle";
import { isRecord, type JourneyDefinition } from "../definition";
import { DurationField, TextField, YamlField, problemAt } from "./fields";
import { field, numberOr, setAt, textOr } from "./model";
import { TRIGGER_KINDS, triggerKind, type TriggerKind } from "./summaries";
import type { Problem } from "./types";

type Props = {
  definition: JourneyDefinition;
  problems: readonly Problem[];
  /** Sets a top-level field (`trigger.event`); undefined removes it. */
  set: (path: string, value: unknown) => void;
};

const NEW_TRIGGER: Record<TriggerKind, Record<string, unknown>> = {
  event: { event: "" },
  segment_entered: { segment_entered: "" },
  segment_exited: { segment_exited: "" },
  schedule: { schedule: "0 9 * * MON", segment: "" },
  date_trait: { date_trait: "birthday", offset: "0s", at: "09:00" },
  api: { api: true },
};

type GoalKind = "none" | "event" | "segment_entered" | "condition";

/** The journey as a whole: its name, trigger, audience, re-entry, goal and exit rules. */
export function TriggerForm({ definition, problems, set }: Props) {
  const error = (name: string) => problemAt(problems, name);
  const trigger = isRecord(definition.trigger) ? definition.trigger : {};
  const kind = triggerKind(definition.trigger);
  const reentry = definition.reentry;
  const reentryKind = reentry === "never" ? "never" : isRecord(reentry) ? "cooldown" : "after_exit";
  const goal = isRecord(definition.goal) ? definition.goal : null;
  const goalKind: GoalKind = !goal ? "none" : goal.event !== undefined ? "event" : goal.segment_entered !== undefined ? "segment_entered" : "condition";
  const triggerField = (name: string, label: string, extra: { placeholder?: string; description?: string } = {}) => (
    <TextField label={label} {...extra} value={trigger[name]} onChange={(value) => set(`trigger.${name}`, value)} error={error(`trigger.${name}`)} />
  );

  return (
    <Stack gap="sm">
      <TextInput label="Journey key" value={definition.key} readOnly description="Set when the journey was created" />
      <TextField label="Name" value={definition.name} onChange={(value) => set("name", value)} error={error("name")} />
      <Select
        label="Lifecycle stage"
        placeholder="None"
        clearable
        data={STAGES.map((stage) => ({ value: stage, label: stageLabel(stage) }))}
        value={typeof definition.stage === "string" ? definition.stage : null}
        onChange={(value) => set("stage", value ?? undefined)}
        error={error("stage")}
      />
      <NumberInput
        label="Priority"
        description="0-100: the higher wins frequency caps and exclusion groups"
        min={0}
        max={100}
        value={numberOr(definition.priority, 50)}
        onChange={(value) => set("priority", typeof value === "number" ? value : undefined)}
        error={error("priority")}
      />

      <Title order={3} size="h5" mt="sm">
        What starts it
      </Title>
      <Select
        label="Trigger"
        placeholder="Choose a trigger"
        data={TRIGGER_KINDS.map((k) => ({ value: k.value, label: k.label }))}
        value={kind}
        allowDeselect={false}
        onChange={(value) => value && value !== kind && set("trigger", NEW_TRIGGER[value as TriggerKind])}
        error={problems.find((p) => p.field === "trigger")?.message}
        data-testid="field-trigger"
      />
      {kind === "event" ? (
        <>
          {triggerField("event", "Event name", { placeholder: "Product Added" })}
          <YamlField
            label="Property filters (optional)"
            placeholder="- {property: price, op: gt, value: 0}"
            value={trigger.where}
            onChange={(value) => set("trigger.where", value)}
            error={error("trigger.where")}
          />
        </>
      ) : null}
      {kind === "segment_entered" ? triggerField("segment_entered", "Segment key") : null}
      {kind === "segment_exited" ? triggerField("segment_exited", "Segment key") : null}
      {kind === "schedule" ? (
        <>
          {triggerField("schedule", "When (cron)", { placeholder: "0 9 * * MON", description: "Minute, hour, day, month, weekday" })}
          {triggerField("segment", "For every member of segment")}
          {triggerField("timezone", "Time zone", { placeholder: "Europe/Paris" })}
        </>
      ) : null}
      {kind === "date_trait" ? (
        <>
          {triggerField("date_trait", "Date trait", { placeholder: "birthday" })}
          {triggerField("offset", "Offset", { placeholder: "-3d", description: "Before (-) or after the date" })}
          {triggerField("at", "At", { placeholder: "09:00", description: "Time of day in the person's time zone" })}
          <Switch label="Every year" checked={trigger.recurring !== false} onChange={(event) => set("trigger.recurring", event.currentTarget.checked ? undefined : false)} />
        </>
      ) : null}
      {kind === "api" ? (
        <Text size="sm" c="gray.7">
          People enter when your systems call POST /api/v1/journeys/{definition.key}/enter.
        </Text>
      ) : null}

      <YamlField
        label="Who may enter (optional)"
        description="A segment condition checked at entry"
        placeholder="{has: email}"
        value={definition.audience}
        onChange={(value) => set("audience", value)}
        error={error("audience")}
      />
      <Select
        label="Entering again"
        allowDeselect={false}
        value={reentryKind}
        data={[
          { value: "after_exit", label: "Again, once they have left" },
          { value: "cooldown", label: "Again, some time after leaving" },
          { value: "never", label: "Only once" },
        ]}
        onChange={(value) => set("reentry", value === "never" ? "never" : value === "cooldown" ? { cooldown: "1d" } : undefined)}
        error={problems.find((p) => p.field === "reentry")?.message}
      />
      {reentryKind === "cooldown" ? (
        <DurationField label="Time after leaving" value={field(reentry, "cooldown")} onChange={(value) => set("reentry.cooldown", value)} error={error("reentry.cooldown")} />
      ) : null}

      <Title order={3} size="h5" mt="sm">
        Goal and exits
      </Title>
      <Select
        label="Goal"
        allowDeselect={false}
        value={goalKind}
        data={[
          { value: "none", label: "No goal" },
          { value: "event", label: "An event" },
          { value: "segment_entered", label: "Entering a segment" },
          { value: "condition", label: "A condition" },
        ]}
        onChange={(value) => value !== goalKind && set("goal", newGoal(value as GoalKind, goal))}
        error={problems.find((p) => p.field === "goal")?.message}
      />
      {goal && goalKind === "event" ? (
        <>
          <TextField label="Goal event" placeholder="Order Completed" value={goal.event} onChange={(value) => set("goal.event", value)} error={error("goal.event")} />
          <YamlField label="Goal event filters (optional)" value={goal.where} onChange={(value) => set("goal.where", value)} error={error("goal.where")} />
        </>
      ) : null}
      {goal && goalKind === "segment_entered" ? (
        <TextField label="Goal segment" value={goal.segment_entered} onChange={(value) => set("goal.segment_entered", value)} error={error("goal.segment_entered")} />
      ) : null}
      {goal && goalKind === "condition" ? (
        <YamlField label="Goal condition" value={goal.condition} onChange={(value) => set("goal.condition", value)} error={error("goal.condition")} />
      ) : null}
      {goal ? (
        <Switch
          label="Reaching the goal ends the journey"
          checked={goal.exit !== false}
          onChange={(event) => set("goal.exit", event.currentTarget.checked ? (goal.exit === undefined ? undefined : true) : false)}
        />
      ) : null}
      <YamlField
        label="Exit when (optional)"
        description="Events, segment changes or conditions that end the journey"
        placeholder="- {event: Support Ticket Opened}"
        value={definition.exit_on}
        onChange={(value) => set("exit_on", value)}
        error={error("exit_on")}
      />
    </Stack>
  );
}

function newGoal(kind: GoalKind, previous: Record<string, unknown> | null): Record<string, unknown> | undefined {
  const exit = previous && previous.exit !== undefined ? { exit: previous.exit } : {};
  switch (kind) {
    case "none":
      return undefined;
    case "event":
      return { event: textOr(previous?.event, ""), ...exit };
    case "segment_entered":
      return { segment_entered: "", ...exit };
    case "condition":
      return { condition: { has: "email" }, ...exit };
  }
}

/** The definition with a top-level field set at a dotted path. */
export function setJourneyField(definition: JourneyDefinition, path: string, value: unknown): JourneyDefinition {
  return setAt(definition, path.split("."), value);
}
