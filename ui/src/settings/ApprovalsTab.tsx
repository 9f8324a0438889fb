import { Accordion, Button, Group, Loader, Stack, Table, Text, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { timeAgo } from "../ui/format";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
import { decide, fetchPendingReviews, fetchReview, type Review } from "./api";

const KINDS: Record<string, string> = { journeys: "Journey", templates: "Template", broadcasts: "Broadcast", models: "Model" };
const shownValue = (value: unknown) => (value === undefined || value === null ? "–" : typeof value === "string" ? value : JSON.stringify(value));

/** Changes waiting for someone's approval: what each would change, and approving or rejecting it. */
export function ApprovalsTab() {
  const reviews = useCursorPages(["reviews", "pending"], fetchPendingReviews);
  return (
    <TableCard title="Waiting for approval" description="Changes marketers asked to make live. Approving one makes it live at once; nobody approves their own request.">
      {reviews.isError ? (
        <TableCardNote>
          <ErrorNotice error={reviews.error} title="Could not load the requests" />
        </TableCardNote>
      ) : reviews.isPending ? (
        <TableCardNote>
          <Loader aria-label="Loading the requests" />
        </TableCardNote>
      ) : !reviews.items.length ? (
        <TableCardNote>
          <Text size="sm" c="dimmed">
            Nothing is waiting for approval.
          </Text>
        </TableCardNote>
      ) : (
        <>
          <Accordion variant="contained" mx="lg" mb="md">
            {reviews.items.map((review) => (
              <Accordion.Item key={review.id} value={review.id}>
                <Accordion.Control>
                  <Text size="sm" fw={500}>
                    {KINDS[review.kind] ?? review.kind} {review.object_key}
                  </Text>
                  <Text size="xs" c="dimmed">
                    Asked by {review.requested_by_label ?? review.requested_by ?? "someone"} {timeAgo(review.requested_at)}
                  </Text>
                </Accordion.Control>
                <Accordion.Panel>
                  <ReviewPanel review={review} />
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
          <LoadMore list={reviews} />
        </>
      )}
    </TableCard>
  );
}

function ReviewPanel({ review }: { review: Review }) {
  const { account, can } = useSession();
  const client = useQueryClient();
  const detail = useQuery({ queryKey: ["reviews", review.id], queryFn: () => fetchReview(review.id) });
  const [comment, setComment] = useState("");
  const decision = useMutation({
    mutationFn: (choice: "approve" | "reject") => decide(review.id, choice, comment.trim()),
    onSuccess: (decided) => {
      void client.invalidateQueries({ queryKey: ["reviews"] });
      // Approved, the change is live: what the console shows of it reads again.
      if (decided.status === "approved") void client.invalidateQueries({ queryKey: [review.kind] });
      notifications.show({ color: decided.status === "approved" ? "green" : "gray", title: decided.status === "approved" ? "Approved" : "Rejected", message: `${review.object_key}: ${decided.status}.` });
    },
  });
  const own = review.requested_by !== null && review.requested_by === account.user?.id;
  if (detail.isError) return <ErrorNotice error={detail.error} title="Could not load the request" />;
  if (detail.isPending) return <Loader size="sm" aria-label="Loading the request" />;
  return (
    <Stack gap="sm">
      {detail.data.changes.length ? (
        <Table.ScrollContainer minWidth={480} type="native" tabIndex={0} role="region" aria-label={`Changes of ${review.object_key}`}>
          <Table fz="sm">
            <TableHead columns={["What", "Now", "Asked for"]} />
            <Table.Tbody>
              {detail.data.changes.map((change) => (
                <Table.Tr key={change.path}>
                  <Table.Td ff="monospace">{change.path || "everything"}</Table.Td>
                  <Table.Td style={{ wordBreak: "break-word" }}>{shownValue(change.before)}</Table.Td>
                  <Table.Td style={{ wordBreak: "break-word" }}>{shownValue(change.after)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : (
        <Text size="sm">No change from what is live.</Text>
      )}
      {can("approve") && !own ? (
        <>
          <Textarea label="Comment (optional)" value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={1} maxLength={2000} />
          <ErrorNotice error={decision.error} title="Could not decide" />
          <Group justify="flex-end">
            <Button variant="default" color="red" loading={decision.isPending && decision.variables === "reject"} onClick={() => decision.mutate("reject")}>
              Reject
            </Button>
            <Button loading={decision.isPending && decision.variables === "approve"} onClick={() => decision.mutate("approve")}>
              Approve
            </Button>
          </Group>
        </>
      ) : (
        <Text size="sm" c="dimmed">
          {own ? "You asked for this change: someone else approves it." : "Your role does not approve changes."}
        </Text>
      )}
    </Stack>
  );
}
