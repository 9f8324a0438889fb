import { yaml } from "@codemirror/lang-yaml";
import { Alert, Button, Card, Grid, Group, Loader, Progress, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconPlayerPlay } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { useParams } from "react-router";
import { ApiError, isNotFound, readable } from "../api/errors";
import { useSession } from "../auth/session";
import { fieldLines } from "../journeys/definition";
import NotFoundPage from "../shell/NotFoundPage";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { BackLink } from "../ui/BackLink";
import { CodeBox } from "../ui/CodeBox";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant, timeAgo } from "../ui/format";
import { LeaveGuard } from "../ui/LeaveGuard";
import { PageHeader } from "../ui/PageHeader";
import { busy, usePrediction, useSavePrediction, useTrain, type Prediction } from "./api";
import { definitionYaml, readDefinition } from "./document";
import { KIND_LABELS } from "./metrics";
import { MetricsSection } from "./MetricsSection";
import { ModelCardSection } from "./ModelCard";
import { PredictionStatus } from "./PredictionStatus";
import { VersionsSection } from "./VersionsSection";

const YAML = [yaml()];

/** One prediction: where training stands, how good its model is, its model card, its
 * versions and its definition as YAML. */
export default function PredictionPage() {
  const key = useParams().key ?? "";
  const found = usePrediction(key);
  if (isNotFound(found.error)) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/predictions">Predictions</BackLink>
      {found.isError ? (
        <ErrorNotice error={found.error} title="Could not load the prediction" />
      ) : found.isPending ? (
        <Loader aria-label="Loading the prediction" />
      ) : (
        <Loaded prediction={found.data} />
      )}
    </>
  );
}

function Loaded({ prediction }: { prediction: Prediction }) {
  const { can } = useSession();
  const train = useTrain();
  const canEdit = can("edit_content");

  async function trainAgain() {
    const queued = await train.mutateAsync({ key: prediction.key }).catch(() => null);
    if (queued) notifications.show({ color: "green", message: `Training of ${queued.name} is queued; this page follows it.` });
  }

  return (
    <>
      <PageHeader
        title={prediction.name}
        description={
          <>
            <Text span ff="monospace" size="sm">
              {prediction.key}
            </Text>
            {` · ${KIND_LABELS[prediction.kind]} · `}
            {prediction.version ? `version ${prediction.version} active` : "no active version"}
            {prediction.trained_at ? ` · trained ${timeAgo(prediction.trained_at)}` : ""}
            {" · scores as "}
            <Text span ff="monospace" size="sm">
              {prediction.trait}
            </Text>
          </>
        }
        actions={
          <>
            <PredictionStatus prediction={prediction} reason={false} />
            {canEdit ? (
              <Button leftSection={<IconPlayerPlay size={16} aria-hidden />} onClick={() => void trainAgain()} loading={train.isPending} disabled={busy(prediction)}>
                Train
              </Button>
            ) : null}
          </>
        }
      />
      {canEdit ? null : <ReadOnlyNote>Your role can read this prediction but not change or train it.</ReadOnlyNote>}
      <Stack gap="lg">
        <ErrorNotice error={train.error} title="Could not queue the training" />
        <TrainingState prediction={prediction} />
        <MetricsSection prediction={prediction} />
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 6 }}>
            <ModelCardSection prediction={prediction} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 6 }}>
            <DefinitionCard key={JSON.stringify(prediction.definition)} prediction={prediction} editable={canEdit} />
          </Grid.Col>
        </Grid>
        <VersionsSection prediction={prediction} />
      </Stack>
    </>
  );
}

/** Progress while it trains; the reason when the last training failed. */
function TrainingState({ prediction }: { prediction: Prediction }) {
  if (prediction.status === "training") {
    const percent = Math.floor(prediction.progress * 100);
    return (
      <Card>
        <Group justify="space-between" mb={6}>
          <Text size="sm" fw={500}>
            Training: {percent}%
          </Text>
          <Text size="xs" c="dimmed">
            Started {timeAgo(prediction.training_started_at)}
          </Text>
        </Group>
        <Progress value={percent} animated aria-label={`Training ${percent}%`} />
      </Card>
    );
  }
  if (prediction.status === "new") {
    return (
      <Alert color="gray" variant="light" title="Waiting to train">
        Its first training starts as soon as the pipeline gets to it.
      </Alert>
    );
  }
  if (prediction.status === "failed") {
    return (
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} aria-hidden />} title="The last training failed" role="alert" data-testid="training-failed">
        {readable(prediction.error ?? "no reason given")}
        {prediction.version ? ` Version ${prediction.version} still scores.` : ""}
        {prediction.next_train_at ? ` It tries again on its schedule, ${formatInstant(prediction.next_train_at)}.` : ""}
      </Alert>
    );
  }
  return null;
}

/** The definition as YAML: saved with a PUT by editors (changes apply at the next
 * training), read-only for the rest. */
function DefinitionCard({ prediction, editable }: { prediction: Prediction; editable: boolean }) {
  const initial = useMemo(() => definitionYaml(prediction.definition), [prediction.definition]);
  const [text, setText] = useState(initial);
  const save = useSavePrediction();
  const dirty = text !== initial;
  const read = readDefinition(text);
  const field = save.error instanceof ApiError ? save.error.field : null;
  const line = useMemo(() => (field ? fieldLines(text, [field])[0] : null), [field, text]);
  const renamed = read.definition && read.definition.key !== prediction.key;

  async function submit() {
    if (!read.definition) return;
    const saved = await save.mutateAsync(read.definition).catch(() => null);
    if (!saved) return;
    // The saved definition as the API keeps it (its defaults written out): nothing left unsaved.
    setText(definitionYaml(saved.definition));
    notifications.show({ color: "green", message: `Saved ${saved.name}. Train it to use the change.` });
  }

  return (
    <Card>
      <LeaveGuard active={editable && dirty} />
      <Group justify="space-between" align="flex-start" mb="sm">
        <div>
          <Title order={2} size="h4">
            Definition
          </Title>
          <Text size="sm" c="dimmed">
            {editable ? "As code: the next training uses what you save." : "As code, as `baton predictions apply` reads it."}
          </Text>
        </div>
        {editable ? (
          <Group gap="xs">
            {dirty ? (
              <Button variant="default" size="compact-sm" onClick={() => setText(initial)}>
                Discard
              </Button>
            ) : null}
            <Button size="compact-sm" onClick={() => void submit()} loading={save.isPending} disabled={!dirty || !read.definition || Boolean(renamed)}>
              Save
            </Button>
          </Group>
        ) : null}
      </Group>
      {read.error ? (
        <Text size="sm" c="red.8" mb="xs" role="alert">
          {read.error.line ? `Line ${read.error.line}: ` : ""}
          {read.error.message}
        </Text>
      ) : renamed ? (
        <Text size="sm" c="red.8" mb="xs" role="alert">
          The key cannot change: write a new prediction instead.
        </Text>
      ) : save.error ? (
        <Text size="sm" c="red.8" mb="xs" role="alert">
          {line ? `Line ${line}: ` : ""}
          {readable(save.error)}
        </Text>
      ) : null}
      <CodeBox value={text} onChange={setText} editable={editable} label={`Definition of the prediction ${prediction.name}`} extensions={YAML} testId="prediction-yaml" />
    </Card>
  );
}
