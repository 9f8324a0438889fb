import { NumberInput, SegmentedControl, Select, Stack, Switch, Text } from "@mantine/core";
import { useTemplates } from "../../templates/api";
import { channelLabel } from "../../ui/channels";
import { LoadMore } from "../../ui/LoadMore";
import { withSendAt } from "./edits";
import { DurationField, TextField, problemAt } from "./fields";
import { text, type StepFormProps } from "./formKit";
import { MessagePreview } from "./MessagePreview";
import { MESSAGE_CHANNELS, textOr, type SendAt } from "./model";
import { fromPercent, toPercent } from "./percent";
import { templateOptions } from "./templateOptions";

/** A message node: channel, template (from GET /api/v1/templates, a page at a time), send
 * rules, preview. */
export function MessageForm(props: StepFormProps) {
  const { id, node, problems, set, replace } = props;
  const sendAt: SendAt = node.send_at === "best_time" ? "best_time" : "now";
  const templates = useTemplates();
  const channel = textOr(node.channel, "");
  const template = textOr(node.template, "");
  const channels = new Set([...MESSAGE_CHANNELS, ...templates.items.map((t) => t.channel), ...(channel ? [channel] : [])]);
  const options = templateOptions(templates.items, channel, template, templates.isSuccess && !templates.hasNextPage);
  return (
    <Stack gap="sm">
      <Select
        label="Channel"
        data={[...channels].map((value) => ({ value, label: channelLabel(value) }))}
        value={channel || null}
        allowDeselect={false}
        onChange={(value) => set("channel", value ?? "")}
        error={problemAt(problems, `nodes.${id}.channel`)}
        data-testid="field-channel"
      />
      <Select
        label="Template"
        placeholder={templates.isPending ? "Loading templates…" : "Choose a template"}
        data={options}
        value={template || null}
        searchable
        onChange={(value) => set("template", value ?? "")}
        nothingFoundMessage={`No ${channelLabel(channel)} template`}
        error={problemAt(problems, `nodes.${id}.template`) ?? (templates.isError ? "The templates could not be loaded" : undefined)}
        data-testid="field-template"
      />
      <LoadMore list={templates} label="Load more templates" size="xs" />
      <TextField label="Subscription group (optional)" {...text(props, "subscription_group", true)} />
      <Switch
        label="Transactional: spare it caps and quiet hours"
        checked={node.transactional === true}
        onChange={(event) => set("transactional", event.currentTarget.checked ? true : undefined)}
      />
      <Select
        label="When a frequency cap applies"
        value={node.on_cap === "defer" ? "defer" : "skip"}
        allowDeselect={false}
        data={[
          { value: "skip", label: "Skip the message" },
          { value: "defer", label: "Send it once the cap allows" },
        ]}
        onChange={(value) => set("on_cap", value === "defer" ? "defer" : undefined)}
      />
      <Stack gap={4}>
        <SegmentedControl
          aria-label="Send at"
          value={sendAt}
          onChange={(value) => replace(withSendAt(node, value === "best_time" ? "best_time" : "now"))}
          data={[
            { value: "now", label: "Now" },
            { value: "best_time", label: "Best time for each person" },
          ]}
          data-testid="field-send_at"
        />
        {problemAt(problems, `nodes.${id}.send_at`) ? (
          <Text size="xs" c="red.8">
            {problemAt(problems, `nodes.${id}.send_at`)}
          </Text>
        ) : null}
      </Stack>
      {sendAt === "best_time" ? (
        <>
          <DurationField label="Wait at most (optional, 24h when empty)" {...text(props, "max_delay", true)} testId="field-max_delay" />
          <NumberInput
            label="Sent at once to measure the lift (%)"
            description="10% when empty, 0 for none"
            min={0}
            max={99.99}
            decimalScale={2}
            value={toPercent(node.holdout)}
            onChange={(value) => {
              if (typeof value === "number" || value === "") set("holdout", fromPercent(value));
            }}
            error={problemAt(problems, `nodes.${id}.holdout`)}
            data-testid="field-holdout"
          />
        </>
      ) : null}
      <MessagePreview nodeId={id} template={template} />
    </Stack>
  );
}
