import { yaml } from "@codemirror/lang-yaml";
import { Alert, Button, Group, Modal, SegmentedControl, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useState } from "react";
import { useNavigate } from "react-router";
import { isNotFound, readable } from "../api/errors";
import { CodeBox } from "../ui/CodeBox";
import { fetchPrediction, useSavePrediction, type Kind } from "./api";
import { readDefinition, STARTERS } from "./document";
import { KIND_LABELS } from "./metrics";

const YAML = [yaml()];

/** A new prediction written as code: a starter of the chosen kind, edited, then saved
 * (PUT), which queues its first training. */
export function NewPredictionModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const save = useSavePrediction();
  const [kind, setKind] = useState<Kind>("classification");
  const [text, setText] = useState(STARTERS.classification);
  const [problem, setProblem] = useState<string | null>(null);
  const read = readDefinition(text);

  async function submit() {
    setProblem(null);
    const { definition } = read;
    if (!definition) return;
    const taken = await fetchPrediction(definition.key).then(
      () => true,
      (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)),
    ).catch((error: unknown) => {
      setProblem(readable(error));
      return null;
    });
    if (taken === null) return;
    if (taken) {
      setProblem(`A prediction with the key ${definition.key} exists already: pick another key, or open it to change it.`);
      return;
    }
    const saved = await save.mutateAsync(definition).catch(() => null);
    if (!saved) return;
    notifications.show({ color: "green", message: `Saved ${saved.name}: its first training is queued.` });
    void navigate(`/predictions/${encodeURIComponent(saved.key)}`);
  }

  const failure = save.error;
  return (
    <Modal opened={opened} onClose={onClose} title="New prediction" size="xl">
      <Stack>
        <Text size="sm" c="dimmed">
          A prediction is written as code, the same YAML that <code>baton predictions apply</code> reads. Start from a kind, change what you need, and
          save: it trains at once, on this workspace's data.
        </Text>
        <SegmentedControl
          aria-label="Kind of prediction"
          value={kind}
          onChange={(chosen) => {
            setKind(chosen as Kind);
            setText(STARTERS[chosen as Kind]);
          }}
          data={(Object.keys(KIND_LABELS) as Kind[]).map((value) => ({ value, label: KIND_LABELS[value] }))}
        />
        <CodeBox value={text} onChange={setText} editable label="Definition of the new prediction" extensions={YAML} minHeight="240px" testId="new-prediction-yaml" />
        {read.error ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} aria-hidden />} title={read.error.line ? `Line ${read.error.line}` : "Not a definition yet"}>
            {read.error.message}
          </Alert>
        ) : null}
        {problem || failure ? (
          <Text c="red.8" size="sm" role="alert">
            {problem ?? readable(failure)}
          </Text>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void submit()} loading={save.isPending} disabled={!read.definition}>
            Save and train
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
