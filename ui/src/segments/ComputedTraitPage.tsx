import { Button, Card, Grid, Group, Loader, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { fieldError, isNotFound } from "../api/errors";
import { useSession } from "../auth/session";
import { ConfirmAction } from "../journeys/ConfirmAction";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import NotFoundPage from "../shell/NotFoundPage";
import { BackLink } from "../ui/BackLink";
import { ErrorNotice } from "../ui/ErrorNotice";
import { FormError } from "../ui/FormError";
import { timeAgo } from "../ui/format";
import { PageHeader } from "../ui/PageHeader";
import { useDefinition, useDelete, useSave, type Stored } from "./api";
import { COMPUTED_KINDS, readComputedYaml, tidyComputed, type ComputedDraft, type ComputedKind } from "./document";
import { LivePreview, YamlPane } from "./EditorPanes";
import { NamePicker, WhereList, WindowInputs } from "./fields";
import { MemberCount, Members, useMembersFollowBuild, useNames } from "./SegmentPage";
import { SegmentStatus } from "./SegmentStatus";
import { useDraft, usePreview } from "./useDraft";

const KIND_LABELS: Record<ComputedKind, string> = {
  count: "Count of the events",
  sum: "Sum of a property",
  avg: "Average of a property",
  min: "Minimum of a property",
  max: "Maximum of a property",
  first: "First value of a property",
  last: "Last value of a property",
  most_frequent: "Most frequent value",
  distinct_count: "Number of distinct values",
};

/** A computed trait: what it reads, edited by form and as YAML, its live preview and the
 * profiles holding a value. `?new=1` opens the editor for a key not saved yet. */
export default function ComputedTraitPage() {
  const key = useParams().key ?? "";
  const { can } = useSession();
  const creating = useSearchParams()[0].get("new") === "1" && can("edit_content");
  const name = (useLocation().state as { name?: string } | null)?.name;
  const trait = useDefinition<ComputedDraft>("computed-traits", key);
  const fresh = creating && isNotFound(trait.error);
  if (isNotFound(trait.error) && !fresh) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/computed-traits">Computed traits</BackLink>
      {fresh ? (
        <TraitEditor key="new" stored={null} initial={{ key, name: name || key, kind: "count", event: "" }} />
      ) : trait.isError ? (
        <ErrorNotice error={trait.error} title="Could not load the computed trait" />
      ) : trait.isPending ? (
        <Loader aria-label="Loading the computed trait" />
      ) : (
        <TraitEditor key={`v${trait.data.version}`} stored={trait.data} initial={tidyComputed(trait.data.definition)} />
      )}
    </>
  );
}

function TraitEditor({ stored, initial }: { stored: Stored<ComputedDraft> | null; initial: ComputedDraft }) {
  const { can } = useSession();
  const canEdit = can("edit_content");
  const readOnly = !canEdit;
  const navigate = useNavigate();
  const editing = useDraft(initial, readComputedYaml);
  const { draft } = editing;
  // A new one is counted from its first edit: a blank one would only answer what is missing.
  const preview = usePreview("computed-traits", draft, canEdit && (stored !== null || editing.dirty));
  const save = useSave<ComputedDraft>("computed-traits", stored === null);
  const remove = useDelete("computed-traits");
  const [deleting, setDeleting] = useState(false);
  const names = useNames(true);
  useMembersFollowBuild("computed-traits", stored);
  const problem = save.error ?? (editing.dirty ? preview.error : null);
  const title = draft.name || draft.key;
  const set = (next: Partial<ComputedDraft>) => {
    const merged: Record<string, unknown> = { ...draft, ...next };
    for (const field of Object.keys(next)) if (merged[field] === undefined) delete merged[field];
    editing.setDraft(merged as ComputedDraft);
  };

  async function submit() {
    const saved = await save.mutateAsync(draft).catch(() => null);
    if (!saved) return;
    notifications.show({ color: "green", message: `Saved ${saved.name}: version ${saved.version}, computing its values.` });
    if (stored === null) navigate(`/computed-traits/${encodeURIComponent(saved.key)}`, { replace: true });
  }

  return (
    <>
      <PageHeader
        title={stored === null ? `New computed trait: ${title}` : title}
        description={
          <>
            <Text span ff="monospace" size="sm">
              {draft.key}
            </Text>
            {stored ? ` · version ${stored.version} · changed ${timeAgo(stored.updated_at)}` : " · not saved yet"}
          </>
        }
        actions={
          <>
            {stored ? <SegmentStatus status={stored.status} progress={stored.progress} /> : null}
            {canEdit && stored ? (
              <Button variant="subtle" color="red" onClick={() => setDeleting(true)}>
                Delete
              </Button>
            ) : null}
            {canEdit && editing.dirty && stored ? (
              <Button variant="default" onClick={() => editing.reset(initial)}>
                Discard changes
              </Button>
            ) : null}
            {canEdit ? (
              <Button onClick={submit} loading={save.isPending} disabled={(!editing.dirty && stored !== null) || editing.error !== null}>
                {stored === null ? "Create computed trait" : "Save"}
              </Button>
            ) : null}
          </>
        }
      />
      {readOnly ? <ReadOnlyNote>Your role can read computed traits but not change them.</ReadOnlyNote> : null}
      {save.error ? (
        <Stack mb="md">
          <ErrorNotice error={save.error} title="Could not save the computed trait" />
        </Stack>
      ) : null}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card>
            <Title order={2} size="h4" mb={4}>
              Definition
            </Title>
            <Text size="sm" c="dimmed" mb="md">
              What every profile keeps, from its own events. A value changes as events arrive and windows pass.
            </Text>
            <Stack gap="sm">
              <TextInput label="Name" required maxLength={200} value={draft.name} readOnly={readOnly} error={fieldError(problem, "name")} onChange={(e) => set({ name: e.currentTarget.value })} />
              <Group gap="xs" align="flex-start" wrap="wrap">
                <Select
                  label="Value"
                  size="xs"
                  w={230}
                  allowDeselect={false}
                  readOnly={readOnly}
                  data={COMPUTED_KINDS.map((kind) => ({ value: kind, label: KIND_LABELS[kind] }))}
                  value={draft.kind}
                  error={fieldError(problem, "kind")}
                  onChange={(kind) => kind && set({ kind: kind as ComputedKind, property: kind === "count" ? undefined : (draft.property ?? "") })}
                />
                {draft.kind === "count" ? null : (
                  <TextInput label="Property" size="xs" w={160} placeholder="revenue" required value={draft.property ?? ""} readOnly={readOnly} error={fieldError(problem, "property")} onChange={(e) => set({ property: e.currentTarget.value })} />
                )}
                <NamePicker label="Of the event" value={draft.event} names={names.events} readOnly={readOnly} placeholder="Order Completed" onChange={(event) => set({ event })} />
              </Group>
              <Group gap="xs" align="flex-start" wrap="wrap">
                <WindowInputs window={draft.window} events={names.events} onChange={(window) => set({ window })} readOnly={readOnly} label="the computed trait" />
              </Group>
              <WhereList filters={draft.where} onChange={(where) => set({ where })} readOnly={readOnly} label="the computed trait" />
              <FormError error={save.error} shownAt={["name", "kind", "property"]} />
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="lg">
            {canEdit ? <LivePreview preview={preview} title="Live preview" noun="profiles would have a value" showValues canReadProfiles={can("read_profiles")} /> : null}
            <YamlPane text={editing.text} onText={editing.setText} error={editing.error} problem={problem} editable={canEdit} label={`Definition of the computed trait ${title}`} />
          </Stack>
        </Grid.Col>
        {stored ? (
          <>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <MemberCount collection="computed-traits" definitionKey={stored.key} label="Profiles with a value now" />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Members collection="computed-traits" definitionKey={stored.key} />
            </Grid.Col>
          </>
        ) : null}
      </Grid>
      {stored ? (
        <ConfirmAction
          opened={deleting}
          title={`Delete ${stored.name}?`}
          confirmLabel="Delete computed trait"
          color="red"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await remove.mutateAsync(stored.key);
            navigate("/computed-traits", { replace: true });
          }}
        >
          <Text size="sm">Profiles lose its value. A computed trait a segment reads cannot be deleted.</Text>
        </ConfirmAction>
      ) : null}
    </>
  );
}
