import { Anchor, Card, Grid, Loader, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { Link } from "react-router";
import { ApiError, fieldError, readable } from "../api/errors";
import { useSession } from "../auth/session";
import { AudienceDownloads } from "../integrations/AudienceDownloads";
import { ErrorNotice } from "../ui/ErrorNotice";
import { FormError } from "../ui/FormError";
import { formatCount, timeAgo } from "../ui/format";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { TableHead } from "../ui/TableHead";
import { fetchMembers, useCount, useDefinitions, useSave, useVocabulary, type Collection, type Stored } from "./api";
import { blank, pathOfField } from "./condition";
import { ConditionBuilder, type Names } from "./ConditionBuilder";
import { DefinitionFrame, DefinitionPage, type EditorProps } from "./DefinitionFrame";
import { readSegmentYaml, tidySegment, type ComputedDraft, type SegmentDraft } from "./document";
import { LivePreview, YamlPane } from "./EditorPanes";
import { MemberHistory } from "./MemberHistory";
import { useDraft, usePreview } from "./useDraft";

const SAMPLE = 10;

/** A segment: its conditions by clicks and as YAML, a live count while editing, its
 * members now and over time. `?new=1` opens the editor for a key not saved yet. */
export default function SegmentPage() {
  return (
    <DefinitionPage<SegmentDraft>
      collection="segments"
      blank={(key, name) => ({ key, name, condition: { all: [blank("trait")] } })}
      tidy={tidySegment}
      Editor={SegmentEditor}
    />
  );
}

/** The names the condition builder offers: what the workspace's data uses, its segments
 * and computed traits. */
export function useNames(except?: string): Names {
  const vocabulary = useVocabulary();
  const segments = useDefinitions<SegmentDraft>("segments");
  const computed = useDefinitions<ComputedDraft>("computed-traits");
  return useMemo(
    () => ({
      traits: vocabulary.data?.traits.map((t) => t.key) ?? [],
      events: vocabulary.data?.events.map((e) => e.name) ?? [],
      segments: segments.items.map((s) => s.key).filter((k) => k !== except),
      computed: computed.items.map((c) => c.key),
    }),
    [vocabulary.data, segments.items, computed.items, except],
  );
}

function SegmentEditor({ stored, initial }: EditorProps<SegmentDraft>) {
  const { can } = useSession();
  const canEdit = can("edit_content");
  const editing = useDraft(initial, readSegmentYaml);
  const { draft } = editing;
  // A new one is counted from its first edit: a blank one would only answer what is missing.
  const preview = usePreview("segments", draft, canEdit && (stored !== null || editing.dirty));
  const save = useSave<SegmentDraft>("segments", stored === null);
  const names = useNames(draft.key);
  useMembersFollowBuild("segments", stored);

  const problem = save.error ?? (editing.dirty ? preview.error : null);
  const path = problem instanceof ApiError && problem.field ? pathOfField(problem.field) : null;
  const title = draft.name || draft.key;

  return (
    <>
      <DefinitionFrame
        collection="segments"
        stored={stored}
        draft={draft}
        dirty={editing.dirty}
        unreadable={editing.error !== null}
        onDiscard={() => editing.reset(initial)}
        save={save}
        deleting="Its members leave it without exit events, and journeys that read it can no longer. A segment another one reads cannot be deleted."
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card>
            <Title order={2} size="h4" mb={4}>
              Conditions
            </Title>
            <Text size="sm" c="dimmed" mb="md">
              Who is in the segment. Profiles enter and leave as their traits and events change.
            </Text>
            <Stack gap="sm" mb="md">
              <TextInput
                label="Name"
                required
                maxLength={200}
                value={draft.name}
                readOnly={!canEdit}
                error={fieldError(problem, "name")}
                onChange={(e) => editing.setDraft({ ...draft, name: e.currentTarget.value })}
              />
              <TextInput
                label="Description"
                maxLength={2000}
                value={draft.description ?? ""}
                readOnly={!canEdit}
                error={fieldError(problem, "description")}
                onChange={(e) => {
                  const { description: _, ...rest } = draft;
                  editing.setDraft(e.currentTarget.value ? { ...rest, description: e.currentTarget.value } : rest);
                }}
              />
            </Stack>
            <ConditionBuilder
              condition={draft.condition}
              onChange={(condition) => editing.setDraft({ ...draft, condition })}
              names={names}
              readOnly={!canEdit}
              problem={path && problem ? { path, message: readable(problem) } : null}
            />
            <FormError error={save.error} shownAt={["name", "description"]} />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="lg">
            {canEdit ? (
              <LivePreview preview={preview} title="Live count" noun="profiles match as edited" showValues={false} canReadProfiles={can("read_profiles")} />
            ) : null}
            <YamlPane
              text={editing.text}
              onText={editing.setText}
              error={editing.error}
              problem={problem}
              editable={canEdit}
              label={`Definition of the segment ${title}`}
            />
          </Stack>
        </Grid.Col>
        {stored ? (
          <>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <MemberHistory segmentKey={stored.key} name={stored.name} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Stack gap="lg">
                <MemberCount collection="segments" definitionKey={stored.key} label="Members now" />
                <Members collection="segments" definitionKey={stored.key} />
                {can("read_profiles") ? <AudienceDownloads segmentKey={stored.key} /> : null}
              </Stack>
            </Grid.Col>
          </>
        ) : null}
      </Grid>
    </>
  );
}

/** Once a saved version is built, its count and members are read again. */
export function useMembersFollowBuild(collection: Collection, stored: Stored<unknown> | null) {
  const client = useQueryClient();
  const stamp = stored ? `${stored.version}:${stored.status}` : null;
  const key = stored?.key;
  useEffect(() => {
    if (stamp === null || key === undefined) return;
    for (const part of ["count", "members", "history", "distribution"]) void client.invalidateQueries({ queryKey: [collection, key, part] });
  }, [client, collection, key, stamp]);
}

export function MemberCount({ collection, definitionKey, label }: { collection: Collection; definitionKey: string; label: string }) {
  const count = useCount(collection, definitionKey);
  return (
    <Card>
      <Text size="sm" c="dimmed" fw={500}>
        {label}
      </Text>
      {count.isError ? (
        <ErrorNotice error={count.error} title="Could not count" />
      ) : (
        <Text fz={32} fw={650} lh={1.2} data-testid="saved-count">
          {count.isPending ? "…" : formatCount(count.data.count)}
        </Text>
      )}
    </Card>
  );
}

/** The profiles in it (with their value, for a computed trait), page by page. */
export function Members({ collection, definitionKey }: { collection: Collection; definitionKey: string }) {
  const { can } = useSession();
  const allowed = can("read_profiles");
  const members = useCursorPages([collection, definitionKey, "members"], (cursor) => fetchMembers(collection, definitionKey, cursor, SAMPLE), allowed);
  const values = collection === "computed-traits";
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">
        {values ? "Profiles with a value" : "Members"}
      </Title>
      {!allowed ? (
        <Text size="sm" c="dimmed">
          Your role does not include reading profiles, so they are not listed.
        </Text>
      ) : members.isError ? (
        <ErrorNotice error={members.error} title="Could not list the profiles" />
      ) : members.isPending ? (
        <Loader size="sm" aria-label="Loading the profiles" />
      ) : !members.items.length ? (
        <Text size="sm" c="dimmed">
          {values ? "No profile has a value yet." : "Nobody is in this segment right now."}
        </Text>
      ) : (
        <>
          <Table>
            <TableHead columns={["Profile", values ? "Value" : "Joined"]} />
            <Table.Tbody>
              {members.items.map((member) => (
                <Table.Tr key={member.profile_id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/profiles/${encodeURIComponent(member.profile_id)}`} size="sm" ff="monospace">
                      {member.profile_id}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={values ? undefined : "dimmed"}>
                      {values ? JSON.stringify(member.value) : timeAgo(member.entered_at)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <LoadMore list={members} />
        </>
      )}
    </Card>
  );
}
