import { Anchor, Badge, Card, Group, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useSession } from "../auth/session";
import { getJourney } from "../journeys/api";
import { journeyKeys } from "../journeys/queries";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { profileJourneys, type JourneyInstance } from "./api";
import { instanceState, journeysOf } from "./why";
import { WhyAnswer } from "./WhyAnswer";

function InstanceLine({ instance }: { instance: JourneyInstance }) {
  return (
    <Group gap="xs" wrap="wrap">
      <Badge color={instance.status === "live" ? "green" : "gray"}>{instance.status === "live" ? "In progress" : "Ended"}</Badge>
      <Text size="sm">{instanceState(instance)}</Text>
      <Text size="xs" c="dimmed">
        entered {formatInstant(instance.entered_at)} · version {instance.version}
        {instance.holdout ? " · holdout" : ""}
      </Text>
    </Group>
  );
}

/** The journey's name, linking to it, with its key beside; the key alone while the name
 * loads or for a role that may not read journeys. */
function JourneyTitle({ journey }: { journey: string }) {
  const readable = useSession().can("read_definitions");
  const found = useQuery({ queryKey: journeyKeys.one(journey), queryFn: () => getJourney(journey), enabled: readable });
  const name = found.data?.name;
  return (
    <Title order={3}>
      <Anchor component={Link} to={`/journeys/${encodeURIComponent(journey)}`} inherit>
        {name ?? journey}
        {name ? (
          <>
            {" "}
            <Text span size="xs" c="dimmed" ff="monospace" fw={400} ml={4}>
              {journey}
            </Text>
          </>
        ) : null}
      </Anchor>
    </Title>
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
            <JourneyTitle journey={journey} />
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
