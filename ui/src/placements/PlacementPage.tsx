import { yaml } from "@codemirror/lang-yaml";
import { Alert, Anchor, Button, Card, CopyButton, Grid, Group, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconEye } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { ApiError, isNotFound, readable } from "../api/errors";
import { useSession } from "../auth/session";
import { fieldLines } from "../journeys/definition";
import { ProfilePicker } from "../profiles/ProfilePicker";
import NotFoundPage from "../shell/NotFoundPage";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { BackLink } from "../ui/BackLink";
import { CodeBox } from "../ui/CodeBox";
import { ConfirmAction } from "../ui/ConfirmAction";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatRate, timeAgo } from "../ui/format";
import { LeaveGuard } from "../ui/LeaveGuard";
import { Loading } from "../ui/Loading";
import { PageHeader } from "../ui/PageHeader";
import { KIND_LABELS, useDeletePlacement, usePlacement, usePreview, useSavePlacement, type Content, type Definition, type Kind, type Placement } from "./api";
import { definitionOf, definitionYaml, readDefinition, ruleSummary, sdkSnippet, starter } from "./document";

const YAML = [yaml()];
const HTML: [] = [];

/** One placement: its variants with their rules and content, the definition as YAML, a
 * preview for a chosen profile, and the snippet the site adds. `?new=1` opens a new one. */
export default function PlacementPage() {
  const key = useParams().key ?? "";
  return <PlacementScreen key={key} placementKey={key} />;
}

function PlacementScreen({ placementKey: key }: { placementKey: string }) {
  const { can } = useSession();
  const [params] = useSearchParams();
  const location = useLocation();
  const found = usePlacement(key);
  const creating = params.get("new") === "1" && isNotFound(found.error) && can("edit_content");
  const given = location.state as { name?: string; kind?: Kind } | null;
  const fresh = useMemo(() => starter(key, given?.name ?? key, given?.kind ?? "banner"), [key, given?.name, given?.kind]);
  if (isNotFound(found.error) && !creating) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/placements">Placements</BackLink>
      {creating ? (
        <Editor placement={null} definition={fresh} />
      ) : found.isError ? (
        <ErrorNotice error={found.error} title="Could not load the placement" />
      ) : found.isPending ? (
        <Loading h="50vh" label="Loading the placement" />
      ) : (
        <Editor key={found.data.version} placement={found.data} definition={definitionOf(found.data)} />
      )}
    </>
  );
}

function Editor({ placement, definition }: { placement: Placement | null; definition: Definition }) {
  const { can } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const save = useSavePlacement();
  const remove = useDeletePlacement();
  const [deleting, setDeleting] = useState(false);
  const initial = useMemo(() => definitionYaml(definition), [definition]);
  const [text, setText] = useState(initial);
  const read = readDefinition(text);
  const editable = can("edit_content");
  const dirty = placement === null || text !== initial;
  const shown = read.definition ?? definition;
  const renamed = read.definition !== null && read.definition.key !== definition.key;
  const field = save.error instanceof ApiError ? save.error.field : null;
  const line = field ? fieldLines(text, [field])[0] : null;

  async function submit() {
    if (!read.definition || renamed) return;
    const saved = await save.mutateAsync(read.definition).catch(() => null);
    if (!saved) return;
    setText(definitionYaml(definitionOf(saved)));
    notifications.show({ color: "green", message: `Saved ${saved.name}: visitors see it at once.` });
    if (params.has("new")) setParams({}, { replace: true });
  }

  return (
    <>
      <LeaveGuard active={editable && dirty} />
      <PageHeader
        title={shown.name || shown.key}
        description={
          <>
            <Text span ff="monospace" size="sm">
              {definition.key}
            </Text>
            {` · ${KIND_LABELS[shown.kind] ?? shown.kind}`}
            {placement ? ` · version ${placement.version}, saved ${timeAgo(placement.updated_at)}` : " · not saved yet"}
          </>
        }
        actions={
          editable ? (
            <>
              {placement ? (
                <Button variant="subtle" color="red" onClick={() => setDeleting(true)}>
                  Delete
                </Button>
              ) : null}
              <Button onClick={() => void submit()} loading={save.isPending} disabled={!dirty || !read.definition || renamed} data-testid="save-placement">
                Save
              </Button>
            </>
          ) : null
        }
      />
      {editable ? null : <ReadOnlyNote>Your role can read this placement but not change it.</ReadOnlyNote>}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="lg">
            <Variants definition={shown} />
            <Card>
              <Title order={2} size="h4" mb={4}>
                Definition
              </Title>
              <Text size="sm" c="dimmed" mb="sm">
                As code: variants in order, each with its rule (<code>when:</code>, a segment condition on traits, computed traits, predictions and segments) and its content; the <code>default</code> for everyone else.
              </Text>
              {read.error ? (
                <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} aria-hidden />} title={read.error.line ? `Line ${read.error.line}` : "Not a definition yet"} mb="sm">
                  {read.error.message}
                </Alert>
              ) : renamed ? (
                <Text size="sm" c="red.8" role="alert" mb="sm">
                  The key cannot change: write a new placement instead.
                </Text>
              ) : save.error ? (
                <Text size="sm" c="red.8" role="alert" mb="sm">
                  {line ? `Line ${line}: ` : ""}
                  {readable(save.error)}
                </Text>
              ) : null}
              <CodeBox value={text} onChange={setText} editable={editable} label={`Definition of the placement ${shown.name || shown.key}`} extensions={YAML} minHeight="280px" testId="placement-yaml" />
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack gap="lg">
            {placement ? <Preview placementKey={placement.key} stale={dirty} /> : null}
            <Snippet placementKey={definition.key} />
          </Stack>
        </Grid.Col>
      </Grid>
      <ConfirmAction
        opened={deleting}
        title="Delete this placement?"
        confirmLabel="Delete"
        color="red"
        onConfirm={async () => {
          await remove.mutateAsync(definition.key);
          notifications.show({ color: "green", message: `Deleted ${definition.name}.` });
          void navigate("/placements");
        }}
        onClose={() => setDeleting(false)}
      >
        <Text size="sm">Sites that still ask for it get nothing to show in its place.</Text>
      </ConfirmAction>
    </>
  );
}

/** The variants in the order their rules are tried, then the default, each as it renders. */
function Variants({ definition }: { definition: Definition }) {
  const variants = definition.variants ?? [];
  return (
    <Card data-testid="placement-variants">
      <Title order={2} size="h4" mb={4}>
        Variants
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {definition.decide
          ? `The decide step ${definition.decide.node} of the journey ${definition.decide.journey} chooses among the offers.`
          : "A known visitor sees the first variant whose rule holds; anyone else sees the default."}
        {definition.holdout ? ` ${formatRate(definition.holdout)} of visitors are held out and see nothing.` : ""}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        {variants.map((variant, index) => (
          <ContentCard key={`${variant.key}-${index}`} title={`${index + 1}. ${variant.key}`} rule={variant.offer ? `Offer ${variant.offer}` : ruleSummary(variant.when)} content={variant.content} />
        ))}
        {definition.default ? <ContentCard title="Default" rule="Everyone else" content={definition.default} /> : null}
      </SimpleGrid>
      {!variants.length && !definition.default ? (
        <Text size="sm" c="dimmed">
          No variant and no default: visitors see nothing.
        </Text>
      ) : null}
    </Card>
  );
}

/** A variant's content as the script shows it: text only. */
function ContentCard({ title, rule, content }: { title: string; rule: string; content: Content | null | undefined }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="sm" fw={600} ff="monospace">
        {title}
      </Text>
      <Text size="xs" c="dimmed" mb={6}>
        {rule}
      </Text>
      {content ? <Rendered content={content} /> : null}
    </Paper>
  );
}

function Rendered({ content }: { content: Content }) {
  return (
    <Stack gap={4}>
      {content.title ? (
        <Text fw={700} size="sm">
          {content.title}
        </Text>
      ) : null}
      {content.body ? <Text size="sm">{content.body}</Text> : null}
      {content.image ? (
        <Text size="xs" c="dimmed">
          Image: {content.image_alt ?? content.image}
        </Text>
      ) : null}
      {content.cta_text ? (
        <Anchor size="sm" href={content.cta_url ?? undefined} target="_blank" rel="noreferrer">
          {content.cta_text} →
        </Anchor>
      ) : null}
    </Stack>
  );
}

/** What the saved placement shows one profile (or an anonymous visitor), and why. */
function Preview({ placementKey, stale }: { placementKey: string; stale: boolean }) {
  const { can } = useSession();
  const preview = usePreview(placementKey);
  const [profileId, setProfileId] = useState<string | null>(null);
  const shown = preview.data;
  if (!can("edit_content")) return null;
  return (
    <Card data-testid="placement-preview">
      <Title order={2} size="h4" mb={4}>
        Preview
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        What the saved version shows a customer{stale ? " (save your changes to preview them)" : ""}. Without one chosen: an anonymous visitor.
      </Text>
      <Stack gap="sm">
        {can("read_profiles") ? <ProfilePicker value={profileId} onChange={setProfileId} /> : null}
        <Button variant="default" leftSection={<IconEye size={16} aria-hidden />} onClick={() => preview.mutate(profileId)} loading={preview.isPending} w="fit-content">
          Show what they see
        </Button>
        <ErrorNotice error={preview.error} title="Could not preview the placement" />
        {shown ? (
          <Paper withBorder p="sm" radius="md" data-testid="preview-result">
            <Text size="xs" c="dimmed" mb={6}>
              {shown.holdout ? "Held out: sees nothing." : shown.variant ? `Variant ${shown.variant}` : "Default"} · {shown.reason}
            </Text>
            {shown.content ? <Rendered content={shown.content} /> : <Text size="sm">Nothing shown.</Text>}
          </Paper>
        ) : null}
      </Stack>
    </Card>
  );
}

/** The lines the site adds, with this Baton's address. */
function Snippet({ placementKey }: { placementKey: string }) {
  const text = sdkSnippet(window.location.origin, [placementKey]);
  return (
    <Card>
      <Group justify="space-between" mb={4}>
        <Title order={2} size="h4">
          On your site
        </Title>
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Button variant="default" size="compact-sm" onClick={copy}>
              {copied ? "Copied" : "Copy the snippet"}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        Mark where it goes and load the script (about 3 KB). The write key is a browser key (Settings › Keys); give userId and userHash, the hash your backend computes, only for signed-in visitors; set consent to true once the visitor agreed. Without consent it tracks and stores nothing.
      </Text>
      <CodeBox value={text} onChange={() => undefined} editable={false} label="The snippet for your site" extensions={HTML} testId="sdk-snippet" />
    </Card>
  );
}
