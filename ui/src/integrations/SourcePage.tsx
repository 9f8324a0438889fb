import { yaml } from "@codemirror/lang-yaml";
import { Alert, Badge, Button, Card, Grid, Group, Paper, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconFlask } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { fieldError, isNotFound, readable } from "../api/errors";
import { parseYamlValue, valueToYaml } from "../journeys/definition";
import NotFoundPage from "../shell/NotFoundPage";
import { BackLink } from "../ui/BackLink";
import { CodeBox } from "../ui/CodeBox";
import { ConfirmAction } from "../ui/ConfirmAction";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Figure } from "../ui/Figure";
import { FormError } from "../ui/FormError";
import { formatCount, formatInstant, timeAgo } from "../ui/format";
import { LeaveGuard } from "../ui/LeaveGuard";
import { Loading } from "../ui/Loading";
import { PageHeader } from "../ui/PageHeader";
import { ShownOnce } from "../ui/ShownOnce";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { readSample, sampleText } from "./samples";
import { PRESET_LABELS, useDeleteSource, usePresets, useSaveSource, useSource, useTestSource, type MappedEvent, type Mapping, type Source } from "./sources";

const YAML = [yaml()];

/** One source: the URL to give its sender, what it received, its settings (the secret
 * write-only) and a test of the mapping on a sample payload. */
export default function SourcePage() {
  const key = useParams().key ?? "";
  const found = useSource(key);
  if (isNotFound(found.error)) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/integrations">Integrations</BackLink>
      {found.isError ? (
        <ErrorNotice error={found.error} title="Could not load the source" />
      ) : found.isPending ? (
        <Loading h="50vh" label="Loading the source" />
      ) : (
        <Loaded key={found.data.updated_at} source={found.data} />
      )}
    </>
  );
}

function Loaded({ source }: { source: Source }) {
  const navigate = useNavigate();
  const remove = useDeleteSource();
  const presets = usePresets();
  const [deleting, setDeleting] = useState(false);
  const described = presets.data?.items.find((item) => item.preset === source.preset);
  return (
    <>
      <PageHeader
        title={source.name || source.key}
        description={
          <>
            <Text span ff="monospace" size="sm">
              {source.key}
            </Text>
            {` · ${PRESET_LABELS[source.preset]} · made ${timeAgo(source.created_at)}`}
          </>
        }
        actions={
          <Button variant="subtle" color="red" onClick={() => setDeleting(true)}>
            Delete
          </Button>
        }
      />
      <Stack gap="lg">
        <Card>
          <Title order={2} size="h4" mb={4}>
            Webhook URL
          </Title>
          <Text size="sm" c="dimmed" mb="sm">
            Give this URL to {PRESET_LABELS[source.preset]} as the webhook's address{described ? `; it signs with ${described.signature}` : ""}.
          </Text>
          <ShownOnce label="Webhook URL" value={source.url} testId="source-url" />
        </Card>
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
          <Figure label="Received" value={formatCount(source.received)} />
          <Figure label="Rejected" value={formatCount(source.rejected)} detail="Bad signature or payload" />
          <Figure label="Last received" value={source.last_received_at ? timeAgo(source.last_received_at) : "Never"} detail={source.last_received_at ? formatInstant(source.last_received_at) : undefined} />
          <Figure label="Last rejected" value={source.last_error_at ? timeAgo(source.last_error_at) : "Never"} detail={source.last_error_at ? formatInstant(source.last_error_at) : undefined} />
        </SimpleGrid>
        {source.last_error ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} aria-hidden />} title={`Last rejection, ${formatInstant(source.last_error_at)}`} data-testid="source-last-error">
            {readable(source.last_error)}
          </Alert>
        ) : null}
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <SettingsCard source={source} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <SampleTest source={source} />
          </Grid.Col>
        </Grid>
      </Stack>
      <ConfirmAction
        opened={deleting}
        title="Delete this source?"
        confirmLabel="Delete"
        color="red"
        onConfirm={async () => {
          await remove.mutateAsync(source.key);
          notifications.show({ color: "green", message: `Deleted ${source.name || source.key}.` });
          void navigate("/integrations");
        }}
        onClose={() => setDeleting(false)}
      >
        <Text size="sm">Its webhook URL stops answering at once: whatever the other system sends there after is lost. Events it brought stay.</Text>
      </ConfirmAction>
    </>
  );
}

/** Name, region, a new secret (never shown: left empty, the stored one stays) and, for a
 * generic source, its mapping as YAML. */
function SettingsCard({ source }: { source: Source }) {
  const save = useSaveSource();
  const [name, setName] = useState(source.name);
  const [region, setRegion] = useState(source.default_region);
  const [secret, setSecret] = useState("");
  const initialMapping = useMemo(() => (source.mapping ? valueToYaml(source.mapping) : ""), [source.mapping]);
  const [mapping, setMapping] = useState(initialMapping);
  const generic = source.preset === "generic";
  const parsed = generic ? parseYamlValue(mapping) : null;
  const dirty = name !== source.name || region !== source.default_region || secret !== "" || mapping !== initialMapping;

  async function submit() {
    if (parsed?.error) return;
    const body = { preset: source.preset, name, default_region: region, secret: secret || null, ...(generic ? { mapping: parsed?.value as Mapping } : {}) };
    const saved = await save.mutateAsync({ key: source.key, body }).catch(() => null);
    if (!saved) return;
    setSecret("");
    notifications.show({ color: "green", message: secret ? "Saved, with the new secret." : "Saved." });
  }

  return (
    <Card>
      <LeaveGuard active={dirty} />
      <Title order={2} size="h4" mb="sm">
        Settings
      </Title>
      <Stack gap="sm">
        <TextInput label="Name" value={name} maxLength={200} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} />
        <TextInput
          label="Default region"
          description="The country of phone numbers given without a country code (two letters, like US or HU)."
          value={region}
          maxLength={2}
          onChange={(e) => setRegion(e.currentTarget.value.toUpperCase())}
          error={fieldError(save.error, "default_region")}
          w={260}
        />
        <PasswordInput
          label="Signing secret"
          description="Write-only: the stored secret is never shown. Leave this empty to keep it; type one to replace it."
          placeholder="Stored secret kept"
          value={secret}
          onChange={(e) => setSecret(e.currentTarget.value)}
          error={fieldError(save.error, "secret")}
          autoComplete="new-password"
          data-testid="source-secret"
        />
        {generic ? (
          <Stack gap={4}>
            <Text size="sm" fw={500} id="mapping-label">
              Mapping
            </Text>
            <Text size="xs" c="dimmed">
              How the sender signs, and rules: the first whose <code>when</code> holds makes its event. Values starting with <code>$</code> are paths into the payload.
            </Text>
            {parsed?.error || fieldError(save.error, "mapping") ? (
              <Text size="sm" c="red.8" role="alert">
                {parsed?.error ? `${parsed.error.line ? `Line ${parsed.error.line}: ` : ""}${parsed.error.message}` : fieldError(save.error, "mapping")}
              </Text>
            ) : null}
            <CodeBox value={mapping} onChange={setMapping} editable labelledBy="mapping-label" extensions={YAML} minHeight="200px" testId="source-mapping" />
          </Stack>
        ) : null}
        <FormError error={save.error} shownAt={["name", "default_region", "secret", "mapping"]} />
        <Group justify="flex-end">
          <Button onClick={() => void submit()} loading={save.isPending} disabled={!dirty || Boolean(parsed?.error)}>
            Save
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** Whom an event is about: its ids and the identities it carries. */
function personOf(event: MappedEvent): string {
  const ids = [event.userId ? `user ${event.userId}` : null, event.anonymousId ? `anonymous ${event.anonymousId}` : null];
  return [...ids, ...Object.entries(event.identities).map(([kind, id]) => `${kind} ${String(id)}`)].filter(Boolean).join(" · ");
}

/** A sample payload (and headers) mapped as if received, signature aside: the events it makes. Nothing is stored. */
function SampleTest({ source }: { source: Source }) {
  const test = useTestSource(source.key);
  const [text, setText] = useState(() => sampleText(source.preset));
  const read = readSample(text);
  const result = test.data;
  return (
    <TableCard title="Test on a sample payload" description="Edit the headers and the payload, then map them as if the source had received them. Nothing is stored, and the signature is not checked.">
      <TableCardNote>
        <Stack gap="sm">
          <CodeBox value={text} onChange={setText} editable label="Sample headers and payload" extensions={YAML} minHeight="200px" maxHeight="360px" testId="source-sample" />
          {read.error ? (
            <Text size="sm" c="red.8" role="alert">
              {read.error}
            </Text>
          ) : null}
          <Group justify="space-between">
            <Button variant="default" size="compact-sm" onClick={() => setText(sampleText(source.preset))}>
              Start again from the preset's sample
            </Button>
            <Button leftSection={<IconFlask size={16} aria-hidden />} onClick={() => read.sample && test.mutate(read.sample)} loading={test.isPending} disabled={!read.sample}>
              Map the sample
            </Button>
          </Group>
          <ErrorNotice error={test.error} title="The sample could not be mapped" />
          {result ? (
            <Text size="sm" role="status" data-testid="sample-summary">
              {result.events.length === 0
                ? "This payload makes no event: no rule matches it, or it names nobody."
                : `It makes ${result.events.length === 1 ? "one event" : `${result.events.length} events`}${result.replies.length ? ` and ${result.replies.length === 1 ? "a reply" : `${result.replies.length} replies`} whose keywords apply` : ""}.`}
            </Text>
          ) : null}
        </Stack>
      </TableCardNote>
      {result && result.events.length ? (
        <TableCardNote>
          <Stack gap="sm" data-testid="sample-events">
            {result.events.map((event) => (
              <Paper key={event.messageId} withBorder p="sm" radius="md">
                <Group justify="space-between" align="flex-start" gap="xs" mb={6}>
                  <Badge variant="light" style={{ textTransform: "none" }}>
                    {event.event}
                  </Badge>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {event.messageId}
                  </Text>
                </Group>
                <Text size="xs" c="dimmed">
                  Who
                </Text>
                <Text size="sm" ff="monospace" mb={6}>
                  {personOf(event)}
                </Text>
                <Text size="xs" c="dimmed">
                  Properties
                </Text>
                <Text size="xs" ff="monospace" style={{ whiteSpace: "pre-wrap" }}>
                  {valueToYaml(event.properties).trim()}
                </Text>
              </Paper>
            ))}
          </Stack>
        </TableCardNote>
      ) : null}
    </TableCard>
  );
}
