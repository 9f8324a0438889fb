import { Anchor, Badge, Card, Group, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { profileJourneys, type JourneyInstance } from "./api";
import { instanceState, journeysOf, readableInstants } from "./why";
import { WhyAnswer } from "./WhyAnswer";

function InstanceLine({ instance }: { instance: JourneyInstance }) {
  return (
    <Group gap="xs" wrap="wrap">
      <Badge color={instance.status === "live" ? "green" : "gray"}>{instance.status === "live" ? "In progress" : "Ended"}</Badge>
      <Text size="sm">{instanceState(instance)}</Text>
      <Text size="xs" c="dimmed">
        entered {readableInstants(instance.entered_at)} · version {instance.version}
        {instance.holdout ? " · holdout" : ""}
      </Text>
    </Group>
  );
}

/** Every journey the profile entered: each visit's state, and why it got what it got. */
export function JourneysSection({ profileId }: { profileId: string }) {
  const instances = useCursorPages(["profiles", profileId, "journeys"], (cursor) => profileJourneys(profileId, cursor));
  if (instances.isPending) {
    return (
      <Loading label="Loading journeys" />
    );
  }
  if (instances.isError) return <ErrorNotice error={instances.error} title="Could not load the journeys" />;
  if (instances.items.length === 0) {
    return (
      <Text c="dimmed" py="lg">
        This person has not entered any journey.
      </Text>
    );
  }
  return (
    <Stack gap="md">
      {journeysOf(instances.items).map((journey) => (
        <Card key={journey} padding="md">
          <Stack gap="sm">
            <Title order={3}>
              <Anchor component={Link} to={`/journeys/${encodeURIComponent(journey)}`} inherit>
                {journey}
              </Anchor>
            </Title>
            {instances.items
              .filter((instance) => instance.journey === journey)
              .map((instance) => (
                <InstanceLine key={instance.id} instance={instance} />
              ))}
            <WhyAnswer journey={journey} profileId={profileId} />
          </Stack>
        </Card>
      ))}
      <LoadMore list={instances} label="Show older journeys" />
    </Stack>
  );
}
