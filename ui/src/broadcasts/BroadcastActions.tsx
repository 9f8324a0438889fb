import { Button, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useSession } from "../auth/session";
import { ConfirmAction } from "../ui/ConfirmAction";
import { formatInstant } from "../ui/format";
import { useDeleteBroadcast, useMove, type Broadcast, type Move } from "./api";
import { audienceSummary, sendSummary } from "./form";
import { moves } from "./report";

type Asked = Move | "delete" | null;

const DONE: Record<Move, string> = {
  send: "Sending: messages go out as its timing and throttle say.",
  pause: "Paused: nothing more goes out until you resume.",
  resume: "Resumed: messages go out again where they stopped.",
  cancel: "Cancelled: what was not sent yet never will be.",
};

/** Send, pause, resume, cancel and delete, each asked first, for the roles that may. */
export function BroadcastActions({ broadcast, waiting, dirty }: { broadcast: Broadcast; waiting: number; dirty: boolean }) {
  const { can } = useSession();
  const navigate = useNavigate();
  const move = useMove();
  const remove = useDeleteBroadcast();
  const [asked, setAsked] = useState<Asked>(null);
  const allowed = moves(broadcast.status, waiting);
  const { definition } = broadcast;

  async function change(chosen: Move) {
    await move.mutateAsync({ key: broadcast.key, move: chosen });
    notifications.show({ color: "green", message: DONE[chosen] });
  }

  async function deleteIt() {
    await remove.mutateAsync(broadcast.key);
    notifications.show({ color: "green", message: `Deleted ${broadcast.name}.` });
    void navigate("/broadcasts");
  }

  const mayPublish = can("publish");
  const close = () => setAsked(null);
  return (
    <>
      {mayPublish && allowed.send ? (
        <Button onClick={() => setAsked("send")} disabled={dirty} title={dirty ? "Save the draft first" : undefined}>
          Send…
        </Button>
      ) : null}
      {mayPublish && allowed.pause ? (
        <Button variant="default" onClick={() => setAsked("pause")}>
          Pause
        </Button>
      ) : null}
      {mayPublish && allowed.resume ? <Button onClick={() => setAsked("resume")}>Resume</Button> : null}
      {mayPublish && allowed.cancel ? (
        <Button variant="subtle" color="red" onClick={() => setAsked("cancel")}>
          Cancel sending
        </Button>
      ) : null}
      {can("edit_content") && allowed.remove ? (
        <Button variant="subtle" color="red" onClick={() => setAsked("delete")}>
          Delete
        </Button>
      ) : null}

      <ConfirmAction opened={asked === "send"} title={`Send ${broadcast.name}?`} confirmLabel="Send" onConfirm={() => change("send")} onClose={close}>
        <Text size="sm">
          It goes to {audienceSummary(definition.audience)} {sendSummary(definition.send, formatInstant)}
          {definition.holdout ? `, except a holdout of ${Math.round(definition.holdout * 1000) / 10}%` : ""}. Each person gets it at most once; caps, quiet
          hours and consent apply.
        </Text>
      </ConfirmAction>
      <ConfirmAction opened={asked === "pause"} title="Pause this broadcast?" confirmLabel="Pause" onConfirm={() => change("pause")} onClose={close}>
        <Text size="sm">Nothing more goes out until you resume; people who have their message keep it.</Text>
      </ConfirmAction>
      <ConfirmAction opened={asked === "resume"} title="Resume this broadcast?" confirmLabel="Resume" onConfirm={() => change("resume")} onClose={close}>
        <Text size="sm">Messages go out again where they stopped, at its throttle. Nobody gets it twice.</Text>
      </ConfirmAction>
      <ConfirmAction opened={asked === "cancel"} title="Cancel this broadcast?" confirmLabel="Cancel sending" color="red" onConfirm={() => change("cancel")} onClose={close}>
        <Text size="sm">What is not sent yet never will be. This cannot be undone.</Text>
      </ConfirmAction>
      <ConfirmAction opened={asked === "delete"} title="Delete this broadcast?" confirmLabel="Delete" color="red" onConfirm={deleteIt} onClose={close}>
        <Text size="sm">{broadcast.status === "draft" ? "The draft is gone for good." : "The broadcast and its report are gone for good; the messages it sent stay on each profile's timeline."}</Text>
      </ConfirmAction>
    </>
  );
}
