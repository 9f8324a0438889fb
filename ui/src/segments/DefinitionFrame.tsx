import { Button, Loader, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { UseMutationResult } from "@tanstack/react-query";
import { useState, type ComponentType, type ReactNode } from "react";
import { flushSync } from "react-dom";
import { useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { isNotFound } from "../api/errors";
import { useSession } from "../auth/session";
import NotFoundPage from "../shell/NotFoundPage";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import { BackLink } from "../ui/BackLink";
import { ConfirmAction } from "../ui/ConfirmAction";
import { ErrorNotice } from "../ui/ErrorNotice";
import { timeAgo } from "../ui/format";
import { LeaveGuard } from "../ui/LeaveGuard";
import { PageHeader } from "../ui/PageHeader";
import { useDefinition, useDelete, type Collection, type Stored } from "./api";
import type { ComputedDraft, SegmentDraft } from "./document";
import { SegmentStatus } from "./SegmentStatus";

type Words = { noun: string; list: string; building: string; readOnly: string };

const WORDS: Record<Collection, Words> = {
  segments: {
    noun: "segment",
    list: "Segments",
    building: "counting its members",
    readOnly: "Your role can read segments but not change them.",
  },
  "computed-traits": {
    noun: "computed trait",
    list: "Computed traits",
    building: "computing its values",
    readOnly: "Your role can read computed traits but not change them.",
  },
};

export type EditorProps<D> = { stored: Stored<D> | null; initial: D };

/** The page of one segment or computed trait: the saved one, or with `?new=1` (and the
 * name the new-item dialog passed) a draft of a key not saved yet. */
export function DefinitionPage<D>({ collection, blank, tidy, Editor }: { collection: Collection; blank: (key: string, name: string) => D; tidy: (saved: D) => D; Editor: ComponentType<EditorProps<D>> }) {
  const key = useParams().key ?? "";
  const { can } = useSession();
  const creating = useSearchParams()[0].get("new") === "1" && can("edit_content");
  const name = (useLocation().state as { name?: string } | null)?.name;
  const saved = useDefinition<D>(collection, key);
  const words = WORDS[collection];
  const fresh = creating && isNotFound(saved.error);
  if (isNotFound(saved.error) && !fresh) return <NotFoundPage />;
  return (
    <>
      <BackLink to={`/${collection}`}>{words.list}</BackLink>
      {fresh ? (
        <Editor key="new" stored={null} initial={blank(key, name || key)} />
      ) : saved.isError ? (
        <ErrorNotice error={saved.error} title={`Could not load the ${words.noun}`} />
      ) : saved.isPending ? (
        <Loader aria-label={`Loading the ${words.noun}`} />
      ) : (
        <Editor key={`v${saved.data.version}`} stored={saved.data} initial={tidy(saved.data.definition)} />
      )}
    </>
  );
}

type FrameProps<D> = {
  collection: Collection;
  stored: Stored<D> | null;
  draft: D;
  dirty: boolean;
  /** The YAML does not read: there is nothing to save. */
  unreadable: boolean;
  onDiscard: () => void;
  save: UseMutationResult<Stored<D>, Error, D>;
  /** What deleting it does, said in the confirmation. */
  deleting: ReactNode;
};

/** What the two editors share around their form: the header with status and actions, the
 * read-only note, the save's failure, the question before deleting, and the one before
 * leaving unsaved changes. */
export function DefinitionFrame<D extends SegmentDraft | ComputedDraft>({ collection, stored, draft, dirty, unreadable, onDiscard, save, deleting }: FrameProps<D>) {
  const { can } = useSession();
  const canEdit = can("edit_content");
  const navigate = useNavigate();
  const remove = useDelete(collection);
  const [asked, setAsked] = useState(false);
  const [gone, setGone] = useState(false);
  const words = WORDS[collection];
  const title = draft.name || draft.key;

  async function submit() {
    const saved = await save.mutateAsync(draft).catch(() => null);
    if (!saved) return;
    notifications.show({ color: "green", message: `Saved ${saved.name}: version ${saved.version}, ${words.building}.` });
    if (stored === null) void navigate(`/${collection}/${encodeURIComponent(saved.key)}`, { replace: true });
  }

  return (
    <>
      <LeaveGuard active={canEdit && dirty && !gone} />
      <PageHeader
        title={stored === null ? `New ${words.noun}: ${title}` : title}
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
              <Button variant="subtle" color="red" onClick={() => setAsked(true)}>
                Delete
              </Button>
            ) : null}
            {canEdit && dirty && stored ? (
              <Button variant="default" onClick={onDiscard}>
                Discard changes
              </Button>
            ) : null}
            {canEdit ? (
              <Button onClick={() => void submit()} loading={save.isPending} disabled={(!dirty && stored !== null) || unreadable}>
                {stored === null ? `Create ${words.noun}` : "Save"}
              </Button>
            ) : null}
          </>
        }
      />
      {!canEdit ? <ReadOnlyNote>{words.readOnly}</ReadOnlyNote> : null}
      {save.error ? (
        <Stack mb="md">
          <ErrorNotice error={save.error} title={`Could not save the ${words.noun}`} />
        </Stack>
      ) : null}
      {stored ? (
        <ConfirmAction
          opened={asked}
          title={`Delete ${stored.name}?`}
          confirmLabel={`Delete ${words.noun}`}
          color="red"
          onClose={() => setAsked(false)}
          onConfirm={async () => {
            await remove.mutateAsync(stored.key);
            // Deleted: its unsaved changes have nothing left to be saved to.
            flushSync(() => setGone(true));
            void navigate(`/${collection}`, { replace: true });
          }}
        >
          <Text size="sm">{deleting}</Text>
        </ConfirmAction>
      ) : null}
    </>
  );
}
