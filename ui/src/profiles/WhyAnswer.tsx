import { Badge, Group, List, Loader, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { channelLabel } from "../ui/channels";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { sentence } from "../ui/text";
import { whyAnswer, type ExplainedMessage } from "./api";
import { STATUS_COLORS } from "./TimelineRow";
import { decisionText, readableInstants, visitWhy } from "./why";

/** A message of a visit and each decision Baton took on it (the why says what came of it). */
function MessageDecisions({ message }: { message: ExplainedMessage }) {
  return (
    <List.Item>
      <Group gap={6} wrap="wrap">
        <Text size="sm" fw={550}>
          {channelLabel(message.channel)} · {message.template ?? "no template"}
        </Text>
        <Badge color={STATUS_COLORS[message.status]}>{message.status}</Badge>
      </Group>
      {message.decisions.map((decision) => (
        <Text key={`${decision.at}-${decision.decision}`} size="xs" c="dimmed">
          {decisionText(decision)}
        </Text>
      ))}
    </List.Item>
  );
}

/** Why the profile entered a journey, and got or did not get each of its messages. */
export function WhyAnswer({ journey, profileId }: { journey: string; profileId: string }) {
  const why = useQuery({ queryKey: ["profiles", profileId, "why", journey], queryFn: () => whyAnswer(journey, profileId) });
  if (why.isPending) return <Loader size="sm" aria-label={`Loading why for ${journey}`} />;
  if (why.isError) return <ErrorNotice error={why.error} title={`Could not explain ${journey}`} />;
  const answer = why.data;
  const latest = answer.instances?.at(-1);
  return (
    <Stack gap="xs" data-testid={`why-${journey}`}>
      <Text size="sm">
        <Text span fw={650}>
          Why:{" "}
        </Text>
        {latest ? visitWhy(latest) : sentence(readableInstants(answer.answer))}
      </Text>
      {answer.reasons && answer.reasons.length > 1 ? (
        <List size="sm" spacing={4}>
          {answer.reasons.map((reason) => (
            <List.Item key={reason.code}>{sentence(readableInstants(reason.message))}</List.Item>
          ))}
        </List>
      ) : null}
      {answer.last_refusal ? (
        <Text size="sm" c="dimmed">
          Later refused {answer.last_refusal.times} time(s), last on {formatInstant(answer.last_refusal.at)}:{" "}
          {answer.last_refusal.message}.
        </Text>
      ) : null}
      {(answer.instances ?? []).map((instance) =>
        instance.messages.length > 0 ? (
          <div key={instance.id}>
            <Text size="xs" c="dimmed" mb={4}>
              Messages of the visit that entered on {formatInstant(instance.entered_at)} (version {instance.version})
            </Text>
            <List size="sm" spacing="xs" listStyleType="none">
              {instance.messages.map((message) => (
                <MessageDecisions key={`${message.node}-${message.template}-${message.why}`} message={message} />
              ))}
            </List>
          </div>
        ) : null,
      )}
    </Stack>
  );
}
