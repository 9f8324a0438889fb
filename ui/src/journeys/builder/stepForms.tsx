import { Button, Chip, Fieldset, Group, NumberInput, SegmentedControl, Select, Stack, TagsInput, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { isRecord, type JourneyNode } from "../definition";
import { DurationField, TextField, YamlField, problemAt } from "./fields";
import { Item, text, yaml, type StepFormProps } from "./formKit";
import { DecideForm } from "./DecideForm";
import { MessageForm } from "./MessageForm";
import { field, listOf, numberOr, textOr } from "./model";


/** The fields each type's form shows; a problem elsewhere is listed above the form. */
export const FORM_FIELDS: Record<string, readonly string[]> = {
  delay: ["duration"],
  wait_until: ["time", "weekdays", "date_trait", "offset"],
  wait_for_event: ["event", "where", "events", "correlate", "timeout"],
  branch: ["cases"],
  split: ["arms", "optimize"],
  holdout: ["percent"],
  decide: ["offers", "levels", "context", "holdout", "window", "min_margin", "max_level"],
  message: ["channel", "template", "subscription_group", "transactional", "on_cap", "send_at", "max_delay", "holdout"],
  update_profile: ["set", "increment", "unset"],
  webhook: ["url", "method", "headers", "body", "response_traits"],
  enter_journey: ["journey"],
  exit: [],
};

const WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

export function StepForm(props: StepFormProps) {
  switch (props.node.type) {
    case "delay":
      return <DelayForm {...props} />;
    case "wait_until":
      return <WaitUntilForm {...props} />;
    case "wait_for_event":
      return <WaitForEventForm {...props} />;
    case "branch":
      return <BranchForm {...props} />;
    case "split":
      return <SplitForm {...props} />;
    case "holdout":
      return <HoldoutForm {...props} />;
    case "decide":
      return <DecideForm {...props} />;
    case "message":
      return <MessageForm {...props} />;
    case "update_profile":
      return <UpdateProfileForm {...props} />;
    case "webhook":
      return <WebhookForm {...props} />;
    case "enter_journey":
      return <TextField label="Journey" description="The key of the journey to hand the person to" {...text(props, "journey")} />;
    case "exit":
      return (
        <Text size="sm" c="gray.7">
          People who get here leave the journey.
        </Text>
      );
    default:
      return (
        <Text size="sm" c="gray.7">
          The canvas does not know this kind of step; edit it in the YAML tab.
        </Text>
      );
  }
}

function DelayForm(props: StepFormProps) {
  return <DurationField label="Wait for" {...text(props, "duration")} testId="field-duration" />;
}

function WaitUntilForm(props: StepFormProps) {
  const { id, node, problems, set, replace } = props;
  const byDate = typeof node.date_trait === "string";
  const weekdays = Array.isArray(node.weekdays) ? node.weekdays.filter((d): d is string => typeof d === "string") : [];
  function switchMode(mode: string) {
    const { weekdays: _days, date_trait: _trait, offset: _offset, ...rest } = node;
    replace(mode === "date" ? { ...rest, date_trait: "birthday" } : { ...rest, time: typeof node.time === "string" ? node.time : "09:00" });
  }
  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label="Wait until"
        value={byDate ? "date" : "time"}
        onChange={switchMode}
        data={[
          { value: "time", label: "Time or day" },
          { value: "date", label: "Date on the profile" },
        ]}
      />
      {byDate ? (
        <>
          <TextField label="Date trait" description="A trait holding a date, such as birthday" {...text(props, "date_trait")} />
          <TextField label="Offset" placeholder="-3d" description="Before (-) or after the date" {...text(props, "offset", true)} />
        </>
      ) : (
        <Fieldset legend="On these days (optional)" variant="unstyled">
          <Chip.Group multiple value={weekdays} onChange={(days) => set("weekdays", days.length ? WEEKDAYS.filter((d) => days.includes(d)) : undefined)}>
            <Group gap={6}>
              {WEEKDAYS.map((day) => (
                <Chip key={day} value={day} size="xs">
                  {day}
                </Chip>
              ))}
            </Group>
          </Chip.Group>
          {problemAt(problems, `nodes.${id}.weekdays`) ? (
            <Text size="xs" c="red.8" mt={4}>
              {problemAt(problems, `nodes.${id}.weekdays`)}
            </Text>
          ) : null}
        </Fieldset>
      )}
      <TextField label="Time of day" placeholder="09:00" description="In the person's time zone" {...text(props, "time", true)} />
    </Stack>
  );
}

function WaitForEventForm(props: StepFormProps) {
  const { id, node, problems, set, replace } = props;
  const events = Array.isArray(node.events) ? node.events : null;
  function switchMode(mode: string) {
    if (mode === "several" && !events) {
      const { event, where, ...rest } = node;
      const first = where === undefined ? { event: event ?? "" } : { event: event ?? "", where };
      replace(insertAfterType(rest, "events", [first]));
    } else if (mode === "one" && events) {
      const { events: list, ...rest } = node;
      const first = listOf(list)[0];
      const where = field(first, "where");
      replace(insertAfterType(rest, "event", textOr(field(first, "event"), ""), where === undefined ? {} : { where }));
    }
  }
  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label="Events to wait for"
        value={events ? "several" : "one"}
        onChange={switchMode}
        data={[
          { value: "one", label: "One event" },
          { value: "several", label: "Any of several" },
        ]}
      />
      {events ? (
        <>
          {events.map((item, i) => (
            <Item key={i} title={`Event ${i + 1}`} onRemove={events.length > 1 ? () => set("events", events.filter((_, j) => j !== i)) : undefined}>
              <TextField
                label="Event name"
                value={field(item, "event")}
                onChange={(value) => set(`events.${i}.event`, value)}
                error={problemAt(problems, `nodes.${id}.events.${i}.event`)}
              />
              <YamlField label="Property filters (optional)" placeholder="- {property: total, op: gt, value: 50}" {...yaml(props, `events.${i}.where`)} />
            </Item>
          ))}
          <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={() => set("events", [...events, { event: "" }])}>
            Add an event
          </Button>
        </>
      ) : (
        <>
          <TextField label="Event name" placeholder="Order Completed" {...text(props, "event")} testId="field-event" />
          <YamlField label="Property filters (optional)" placeholder="- {property: total, op: gt, value: 50}" {...yaml(props, "where")} />
        </>
      )}
      <TextField
        label="Match the trigger's value (optional)"
        placeholder="properties.cart_id"
        description="Only an event with the same value here as the trigger event counts"
        {...text(props, "correlate", true)}
      />
      <DurationField label="Wait at most" {...text(props, "timeout")} />
    </Stack>
  );
}

function BranchForm(props: StepFormProps) {
  const cases = listOf(props.node.cases);
  return (
    <Stack gap="sm">
      <Text size="sm" c="gray.7">
        The first case whose condition holds decides the way; otherwise the default way.
      </Text>
      {cases.map((_, i) => (
        <Item key={i} title={`Case ${i + 1}`} onRemove={cases.length > 1 ? () => props.set("cases", cases.filter((__, j) => j !== i)) : undefined}>
          <YamlField label={`Condition of case ${i + 1}`} placeholder="{trait: plan, op: equals, value: pro}" {...yaml(props, `cases.${i}.when`)} />
        </Item>
      ))}
      <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={() => props.set("cases", [...cases, { when: { has: "email" } }])}>
        Add a case
      </Button>
    </Stack>
  );
}

function SplitForm(props: StepFormProps) {
  const { id, node, problems, set } = props;
  const arms = listOf(node.arms);
  const optimize = isRecord(node.optimize) ? textOr(node.optimize.method, "thompson") : "off";
  return (
    <Stack gap="sm">
      {arms.map((arm, i) => (
        <Item key={i} title={`Arm ${i + 1}`} onRemove={arms.length > 2 ? () => set("arms", arms.filter((_, j) => j !== i)) : undefined}>
          <Group grow align="flex-start">
            <TextField label="Name" value={field(arm, "name")} onChange={(value) => set(`arms.${i}.name`, value)} error={problemAt(problems, `nodes.${id}.arms.${i}.name`)} />
            <NumberInput
              label="Weight"
              min={0}
              value={numberOr(field(arm, "weight"), 0)}
              onChange={(value) => set(`arms.${i}.weight`, typeof value === "number" ? value : 0)}
              error={problemAt(problems, `nodes.${id}.arms.${i}.weight`)}
            />
          </Group>
        </Item>
      ))}
      <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={() => set("arms", [...arms, { name: nextArmName(arms), weight: 50 }])}>
        Add an arm
      </Button>
      <Select
        label="Adapt the weights to results"
        value={optimize}
        allowDeselect={false}
        data={[
          { value: "off", label: "No, keep the weights" },
          { value: "thompson", label: "Yes, share by chance of winning" },
          { value: "winner", label: "Yes, send all to the winner" },
        ]}
        onChange={(value) => set("optimize", value === "off" || value === null ? undefined : { ...(isRecord(node.optimize) ? node.optimize : {}), method: value })}
        error={problemAt(problems, `nodes.${id}.optimize`)}
      />
    </Stack>
  );
}

function HoldoutForm({ id, node, problems, set }: StepFormProps) {
  return (
    <NumberInput
      label="Share of people held out (%)"
      description="They go on through the journey but get no message"
      min={0.1}
      max={99.9}
      decimalScale={2}
      value={numberOr(node.percent, 0)}
      onChange={(value) => set("percent", typeof value === "number" ? value : 0)}
      error={problemAt(problems, `nodes.${id}.percent`)}
    />
  );
}

function UpdateProfileForm(props: StepFormProps) {
  const { id, node, problems, set } = props;
  const unset = Array.isArray(node.unset) ? node.unset.filter((t): t is string => typeof t === "string") : [];
  return (
    <Stack gap="sm">
      <YamlField label="Set traits" placeholder="plan: pro" description="trait: value, one per line" {...yaml(props, "set")} />
      <YamlField label="Increase traits" placeholder="orders: 1" description="trait: amount, one per line" {...yaml(props, "increment")} />
      <TagsInput
        label="Remove traits"
        placeholder="Type a trait, then Enter"
        value={unset}
        onChange={(traits) => set("unset", traits.length ? traits : undefined)}
        error={problemAt(problems, `nodes.${id}.unset`)}
      />
    </Stack>
  );
}

function WebhookForm(props: StepFormProps) {
  const { id, node, problems, set } = props;
  return (
    <Stack gap="sm">
      <TextField label="Address" placeholder="https://example.com/hook" description="Liquid allowed, such as {{ profile.id }}" {...text(props, "url")} />
      <Select
        label="Method"
        value={textOr(node.method, "POST")}
        allowDeselect={false}
        data={["POST", "PUT", "PATCH", "GET", "DELETE"]}
        onChange={(value) => set("method", value ?? "POST")}
        error={problemAt(problems, `nodes.${id}.method`)}
      />
      <YamlField label="Headers (optional)" placeholder="X-Source: baton" {...yaml(props, "headers")} />
      <YamlField label="Body (optional)" placeholder={"user: \"{{ profile.id }}\""} minRows={3} {...yaml(props, "body")} />
      <YamlField label="Traits from the answer (optional)" placeholder="tier: data.tier" description="trait: path in the JSON answer" {...yaml(props, "response_traits")} />
    </Stack>
  );
}

function nextArmName(arms: unknown[]): string {
  const names = new Set(arms.map((arm) => field(arm, "name")));
  for (let code = 65; code < 91; code++) if (!names.has(String.fromCharCode(code))) return String.fromCharCode(code);
  return `arm${arms.length + 1}`;
}

/** The node with fields placed right after `type` (where a new kind of field reads best). */
function insertAfterType(node: Omit<JourneyNode, never>, name: string, value: unknown, more: Record<string, unknown> = {}): JourneyNode {
  const entries = Object.entries(node);
  const at = entries.findIndex(([key]) => key === "type") + 1;
  entries.splice(at, 0, [name, value], ...Object.entries(more));
  return Object.fromEntries(entries) as JourneyNode;
}
