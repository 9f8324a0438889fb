import { Anchor, Loader, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { ErrorNotice } from "../ui/ErrorNotice";
import { timeAgo } from "../ui/format";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { peopleAtNode, type Instance } from "./api";
import { journeyKeys } from "./queries";

function who(instance: Instance): { name: string; detail: string | null } {
  const person = instance.profile;
  const handle = person?.email || person?.user_id || null;
  return person?.name ? { name: person.name, detail: handle } : { name: handle ?? instance.profile_id, detail: null };
}

/** The people waiting at one node now, page by page, each opening in profile 360. */
export function PeopleAtNode({ journeyKey, node }: { journeyKey: string; node: string }) {
  const people = useCursorPages(journeyKeys.people(journeyKey, node), (cursor) => peopleAtNode(journeyKey, node, cursor));
  return (
    <Stack gap="xs" mt="md">
      <Title order={3} size="h6">
        People here now
      </Title>
      <ErrorNotice error={people.error} title="Could not list the people here" />
      {people.isPending ? <Loader size="sm" aria-label="Loading the people here" /> : null}
      {people.isSuccess && people.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nobody is at this step right now.
        </Text>
      ) : null}
      {people.items.map((instance) => {
        const person = who(instance);
        return (
          <div key={instance.id}>
            <Anchor component={Link} to={`/profiles/${encodeURIComponent(instance.profile_id)}`} size="sm">
              {person.name}
            </Anchor>
            <Text size="xs" c="dimmed">
              {person.detail ? `${person.detail} · ` : ""}entered {timeAgo(instance.entered_at)}
              {instance.wake_at ? ` · moves on ${timeAgo(instance.wake_at)}` : ""}
            </Text>
          </div>
        );
      })}
      <LoadMore list={people} label="Load more" size="xs" />
    </Stack>
  );
}
