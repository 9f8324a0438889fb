import { Card, Grid, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { fieldError } from "../api/errors";
import { useSession } from "../auth/session";
import { FormError } from "../ui/FormError";
import { useSave } from "./api";
import { DefinitionFrame, DefinitionPage, type EditorProps } from "./DefinitionFrame";
import { COMPUTED_KINDS, readComputedYaml, tidyComputed, type ComputedDraft, type ComputedKind } from "./document";
import { LivePreview, YamlPane } from "./EditorPanes";
import { NamePicker, WhereList, WindowInputs } from "./fields";
import { MemberCount, Members, useMembersFollowBuild, useNames } from "./SegmentPage";
import { useDraft, usePreview } from "./useDraft";
import { ValueDistribution } from "./ValueDistribution";

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
 * profiles holding a value and how their values spread. `?new=1` opens the editor for a key not saved yet. */
export default function ComputedTraitPage() {
  return (
    <DefinitionPage<ComputedDraft>
      collection="computed-traits"
      blank={(key, name) => ({ key, name, kind: "count", event: "" })}
      tidy={tidyComputed}
      Editor={TraitEditor}
    />
  );
}

function TraitEditor({ stored, initial }: EditorProps<ComputedDraft>) {
  const { can } = useSession();
  const canEdit = can("edit_content");
  const readOnly = !canEdit;
  const editing = useDraft(initial, readComputedYaml);
  const { draft } = editing;
  // A new one is counted from its first edit: a blank one would only answer what is missing.
  const preview = usePreview("computed-traits", draft, canEdit && (stored !== null || editing.dirty));
  const save = useSave<ComputedDraft>("computed-traits", stored === null);
  const names = useNames();
  useMembersFollowBuild("computed-traits", stored);
  const problem = save.error ?? (editing.dirty ? preview.error : null);
  const set = (next: Partial<ComputedDraft>) => {
    const merged: Record<string, unknown> = { ...draft, ...next };
    for (const field of Object.keys(next)) if (merged[field] === undefined) delete merged[field];
    editing.setDraft(merged as ComputedDraft);
  };

  return (
    <>
      <DefinitionFrame
        collection="computed-traits"
        stored={stored}
        draft={draft}
        dirty={editing.dirty}
        unreadable={editing.error !== null}
        onDiscard={() => editing.reset(initial)}
        save={save}
        deleting="Profiles lose its value. A computed trait a segment reads cannot be deleted."
      />
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
            <YamlPane text={editing.text} onText={editing.setText} error={editing.error} problem={problem} editable={canEdit} label={`Definition of the computed trait ${draft.name || draft.key}`} />
          </Stack>
        </Grid.Col>
        {stored ? (
          <>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Stack gap="lg">
                <MemberCount collection="computed-traits" definitionKey={stored.key} label="Profiles with a value now" />
                {/* The most held values can be personal (a last address, a name). */}
                {can("read_profiles") ? <ValueDistribution traitKey={stored.key} name={stored.name} /> : null}
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Members collection="computed-traits" definitionKey={stored.key} />
            </Grid.Col>
          </>
        ) : null}
      </Grid>
    </>
  );
}
