import { yaml } from "@codemirror/lang-yaml";
import { Alert, Button, Group, Stack, Tabs, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { ApiError, readable } from "../api/errors";
import { fieldLines, isRecord } from "../journeys/definition";
import { canonical } from "../journeys/versionDiff";
import { CodeBox } from "../ui/CodeBox";
import { FormError } from "../ui/FormError";
import { LeaveGuard } from "../ui/LeaveGuard";
import { useSaveBroadcast, type Broadcast, type Definition } from "./api";
import { BroadcastFields } from "./BroadcastFields";
import { definitionYaml, readDefinition } from "./document";
import { toDefinition, toForm, type BroadcastForm } from "./form";
import { RecipientsUpload } from "./RecipientsUpload";

const YAML = [yaml()];
type Tab = "form" | "yaml";

/** A draft as a form or as YAML (the same document `baton broadcasts apply` reads), saved
 * with a PUT; the API's refusal shows beside the field it names. */
export function BroadcastEditor({ saved, starting, editable, onDirty }: { saved: Broadcast | null; starting: BroadcastForm; editable: boolean; onDirty: (dirty: boolean) => void }) {
  const [params, setParams] = useSearchParams();
  const save = useSaveBroadcast();
  const [tab, setTab] = useState<Tab>("form");
  const [form, setForm] = useState(starting);
  const [text, setText] = useState(() => definitionYaml(toDefinition(starting)));
  const [switchProblem, setSwitchProblem] = useState<string | null>(null);
  const read = readDefinition(text);
  const current: Definition | null = tab === "form" ? toDefinition(form) : read.definition;
  const baseline = useMemo(() => (saved ? canonical(saved.definition) : null), [saved]);
  const dirty = current === null || canonical(current) !== baseline;
  const renamed = current !== null && current.key !== starting.key;

  function changeForm(patch: Partial<BroadcastForm>) {
    const next = { ...form, ...patch };
    setForm(next);
    onDirty(canonical(toDefinition(next)) !== baseline);
  }

  function changeText(value: string) {
    setText(value);
    const { definition } = readDefinition(value);
    onDirty(definition === null || canonical(definition) !== baseline);
  }

  function switchTo(next: Tab) {
    setSwitchProblem(null);
    if (next === "yaml") {
      setText(definitionYaml(toDefinition(form)));
    } else {
      const { definition } = read;
      if (!definition || !isRecord(definition.audience)) {
        setSwitchProblem("Fix the YAML first: the form shows a definition with at least its key and audience.");
        return;
      }
      // What YAML may leave out is written out, as the API stores it.
      setForm(toForm({ ...definition, send: definition.send ?? { at: "now" }, holdout: definition.holdout ?? 0, priority: definition.priority ?? 50 }));
    }
    setTab(next);
  }

  async function submit() {
    if (!current || renamed) return;
    const stored = await save.mutateAsync(current).catch(() => null);
    if (!stored) return;
    setForm(toForm(stored.definition));
    setText(definitionYaml(stored.definition));
    onDirty(false);
    notifications.show({ color: "green", message: `Saved the draft of ${stored.name}.` });
    if (params.has("new")) setParams({}, { replace: true });
  }

  const field = save.error instanceof ApiError ? save.error.field : null;
  const line = tab === "yaml" && field ? fieldLines(text, [field])[0] : null;
  return (
    <Stack gap="md">
      <LeaveGuard active={editable && dirty} />
      <Group justify="space-between">
        <Tabs value={tab} onChange={(next) => next && switchTo(next as Tab)} variant="pills">
          <Tabs.List>
            <Tabs.Tab value="form">Form</Tabs.Tab>
            <Tabs.Tab value="yaml">YAML</Tabs.Tab>
          </Tabs.List>
        </Tabs>
        {editable ? (
          <Button onClick={() => void submit()} loading={save.isPending} disabled={!current || renamed || (saved !== null && !dirty)} data-testid="save-broadcast">
            Save draft
          </Button>
        ) : null}
      </Group>
      {switchProblem ? (
        <Text size="sm" c="red.8" role="alert">
          {switchProblem}
        </Text>
      ) : null}
      {tab === "form" ? (
        <>
          <FormError error={save.error} shownAt={field && IN_FORM.test(field) ? [field] : []} />
          <BroadcastFields
            form={form}
            set={changeForm}
            error={save.error}
            editable={editable}
            upload={<RecipientsUpload broadcastKey={starting.key} saved={saved?.definition.audience.upload === true} recipients={saved?.summary.recipients ?? 0} editable={editable} />}
          />
        </>
      ) : (
        <>
          {read.error ? (
            <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} aria-hidden />} title={read.error.line ? `Line ${read.error.line}` : "Not a definition yet"}>
              {read.error.message}
            </Alert>
          ) : renamed ? (
            <Text size="sm" c="red.8" role="alert">
              The key cannot change: write a new broadcast instead.
            </Text>
          ) : save.error ? (
            <Text size="sm" c="red.8" role="alert">
              {line ? `Line ${line}: ` : ""}
              {readable(save.error)}
            </Text>
          ) : null}
          <CodeBox value={text} onChange={changeText} editable={editable} label={`Definition of the broadcast ${starting.name || starting.key}`} extensions={YAML} minHeight="320px" testId="broadcast-yaml" />
        </>
      )}
    </Stack>
  );
}

/** The fields whose input shows the API's message itself (BroadcastFields); any other shows above the form. */
const IN_FORM = /^(name|channel|template|subscription_group|audience|send|throttle|priority|ab_test|holdout|goal)(\.|$)/;
