import { Alert, Anchor, Button, Group, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { IconClockHour4 } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { decideReview, pendingReview } from "./api";
import { journeyKeys } from "./queries";

/** Says when the journey's publication waits for approval; an approver decides here. */
export function ReviewNotice({ journeyKey }: { journeyKey: string }) {
  const { can } = useSession();
  const client = useQueryClient();
  const review = useQuery({ queryKey: journeyKeys.review(journeyKey), queryFn: () => pendingReview(journeyKey) });
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState<"approve" | "reject" | null>(null);
  const found = review.data;
  if (!found || found.status !== "pending") return null;

  async function decide(decision: "approve" | "reject") {
    if (!found) return;
    setBusy(decision);
    setFailure(null);
    try {
      await decideReview(found.id, decision);
      client.setQueryData(journeyKeys.review(journeyKey), null);
      await client.invalidateQueries({ queryKey: journeyKeys.one(journeyKey) });
      notifications.show({ color: "green", message: decision === "approve" ? "Approved and published." : "Request rejected." });
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(null);
    }
  }

  const who = found.requested_by_label ?? "Someone";
  return (
    <Stack gap="xs" mb="md">
      <Alert color="blue" variant="light" title="Waiting for approval" icon={<IconClockHour4 size={18} />}>
        <Text size="sm">
          {who} asked to publish the draft on {formatInstant(found.requested_at)}. It goes live once an owner or admin approves
          it.{" "}
          <Anchor component={Link} to="/settings" size="sm">
            See approvals in Settings
          </Anchor>
        </Text>
        {can("approve") ? (
          <Group mt="sm" gap="xs">
            <Button size="xs" loading={busy === "approve"} onClick={() => void decide("approve")}>
              Approve and publish
            </Button>
            <Button size="xs" variant="default" loading={busy === "reject"} onClick={() => void decide("reject")}>
              Reject
            </Button>
          </Group>
        ) : null}
      </Alert>
      <ErrorNotice error={failure} title="Could not record the decision" />
    </Stack>
  );
}
