import { Button, Checkbox, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../auth/session";
import { changeStatus, publishJourney, type Journey, type LifecycleAction } from "./api";
import { ConfirmAction } from "../ui/ConfirmAction";
import { journeyKeys } from "./queries";

type Props = {
  /** The saved journey; null while a new one was never saved. */
  journey: Journey | null;
  dirty: boolean;
  saving: boolean;
  /** Saves the draft; rejects with the API's error. */
  save: () => Promise<void>;
};

type Asked = "publish" | LifecycleAction | null;

const DONE: Record<LifecycleAction, string> = {
  pause: "Paused: nobody enters, and people inside wait where they are.",
  resume: "Resumed: the journey runs again.",
  archive: "Archived: everyone still inside has left, and unsent messages were cancelled.",
};

export function JourneyActions({ journey, dirty, saving, save }: Props) {
  const { can } = useSession();
  const client = useQueryClient();
  const [asked, setAsked] = useState<Asked>(null);
  const [migrate, setMigrate] = useState(false);
  const status = journey?.status ?? "draft";
  const archived = status === "archived";
  const unpublished = journey === null || journey.draft_version !== null;

  function stored(found: Journey) {
    client.setQueryData(journeyKeys.one(found.key), found);
    void client.invalidateQueries({ queryKey: journeyKeys.list });
    void client.invalidateQueries({ queryKey: journeyKeys.versions(found.key) });
  }

  async function publish() {
    if (journey === null) return;
    if (dirty) await save();
    const key = journey.key;
    const outcome = await publishJourney(key, migrate);
    if (outcome.held) {
      client.setQueryData(journeyKeys.review(key), outcome.review);
      notifications.show({
        color: "blue",
        title: "Sent for approval",
        message: "This workspace publishes journeys after an owner or admin approves them. They have been asked.",
      });
      return;
    }
    stored(outcome.journey);
    notifications.show({ color: "green", title: "Published", message: "New entries now follow this version." });
  }

  async function lifecycle(action: LifecycleAction) {
    if (journey === null) return;
    stored(await changeStatus(journey.key, action));
    notifications.show({ color: "green", message: DONE[action] });
  }

  const mayPublish = can("publish") && journey !== null && !archived;
  return (
    <>
      {can("edit_content") && !archived ? (
        <Button variant={dirty ? "filled" : "default"} disabled={!dirty && journey !== null} loading={saving} onClick={() => void save().catch(() => undefined)}>
          Save draft
        </Button>
      ) : null}
      {mayPublish && (unpublished || dirty) ? <Button onClick={() => setAsked("publish")}>Publish</Button> : null}
      {mayPublish && status === "published" ? (
        <Button variant="default" onClick={() => setAsked("pause")}>
          Pause
        </Button>
      ) : null}
      {mayPublish && status === "paused" ? (
        <Button variant="default" onClick={() => setAsked("resume")}>
          Resume
        </Button>
      ) : null}
      {mayPublish ? (
        <Button variant="subtle" color="red" onClick={() => setAsked("archive")}>
          Archive
        </Button>
      ) : null}

      <ConfirmAction opened={asked === "publish"} title="Publish this journey?" confirmLabel="Publish" onConfirm={publish} onClose={() => setAsked(null)}>
        <Text size="sm">
          {journey?.published_version ? `New entries will follow this version instead of version ${journey.published_version}.` : "People start entering as soon as it is published."}
          {dirty ? " Your unsaved changes are saved first." : ""}
        </Text>
        {journey?.published_version ? (
          <Checkbox
            checked={migrate}
            onChange={(e) => setMigrate(e.currentTarget.checked)}
            label="Also move people already inside to this version"
            description="Each moves to the step with the same id. Otherwise they finish the version they started."
          />
        ) : null}
      </ConfirmAction>
      <ConfirmAction opened={asked === "pause"} title="Pause this journey?" confirmLabel="Pause" onConfirm={() => lifecycle("pause")} onClose={() => setAsked(null)}>
        <Text size="sm">Nobody new enters, and people inside wait where they are until you resume. Goals and exit rules still apply.</Text>
      </ConfirmAction>
      <ConfirmAction opened={asked === "resume"} title="Resume this journey?" confirmLabel="Resume" onConfirm={() => lifecycle("resume")} onClose={() => setAsked(null)}>
        <Text size="sm">People enter again, and waits that came due while it was paused continue at once.</Text>
      </ConfirmAction>
      <ConfirmAction
        opened={asked === "archive"}
        title="Archive this journey?"
        confirmLabel="Archive"
        color="red"
        onConfirm={() => lifecycle("archive")}
        onClose={() => setAsked(null)}
      >
        <Text size="sm">Everyone still inside leaves the journey and their unsent messages are cancelled. This cannot be undone.</Text>
      </ConfirmAction>
    </>
  );
}
