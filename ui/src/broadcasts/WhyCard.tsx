import { Anchor, Card, Loader, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { ProfilePicker } from "../profiles/ProfilePicker";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { sentence } from "../ui/text";
import { useWhy } from "./api";

/** Why one customer did or did not get the broadcast: in its audience, held out, tried on
 * a variant, and what became of their message. */
export function WhyCard({ broadcastKey }: { broadcastKey: string }) {
  const [profileId, setProfileId] = useState<string | null>(null);
  const why = useWhy(broadcastKey, profileId);
  const message = why.data?.message;
  return (
    <Card data-testid="broadcast-why">
      <Title order={2} size="h4" mb={4}>
        Why did they (not) get it?
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Choose a customer: whether they were in the audience, held out or in the test, and what became of their message.
      </Text>
      <Stack gap="sm">
        <ProfilePicker value={profileId} onChange={setProfileId} />
        <ErrorNotice error={why.error} title="Could not answer" />
        {why.isFetching && !why.data ? <Loader size="sm" aria-label="Looking it up" /> : null}
        {why.data && profileId ? (
          <Stack gap={4} aria-live="polite">
            <Text size="sm" data-testid="why-answer">
              {sentence(why.data.answer)}
            </Text>
            {message ? (
              <Text size="xs" c="dimmed">
                {message.channel} {message.template}
                {message.locale ? ` in ${message.locale}` : ""} · {message.status}
                {message.dispatched_at ? ` · sent ${formatInstant(message.dispatched_at)}` : message.due_at ? ` · due ${formatInstant(message.due_at)}` : ""}
              </Text>
            ) : null}
            <Anchor component={Link} to={`/profiles/${encodeURIComponent(profileId)}`} size="xs">
              Open the profile
            </Anchor>
          </Stack>
        ) : null}
      </Stack>
    </Card>
  );
}
