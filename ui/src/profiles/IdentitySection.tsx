import { Anchor, Badge, Card, Group, Stack, Text, Title, Tooltip } from "@mantine/core";
import { Link } from "react-router";
import { formatInstant } from "../ui/format";
import type { ProfileDetail } from "./api";
import { identifierLabel, isShared } from "./person";

const MERGE_REASONS: Record<string, string> = {
  "identifiers seen together": "seen together with the same identifiers",
  "anonymous activity identified": "their anonymous activity was identified",
  alias: "an alias linked the two user ids",
};

/** The identifiers the profile holds (those other users share marked) and the merges
 * that made it. */
export function IdentitySection({ profile }: { profile: ProfileDetail }) {
  const kinds = Object.entries(profile.identifiers).filter(([, values]) => values.length > 0);
  return (
    <Card>
      <Stack gap="sm">
        <Title order={2}>Identifiers</Title>
        {kinds.length === 0 ? (
          <Text size="sm" c="dimmed">
            No identifiers.
          </Text>
        ) : (
          kinds.map(([kind, values]) => (
            <div key={kind}>
              <Text size="xs" c="dimmed" fw={600} tt="uppercase">
                {identifierLabel(kind)}
              </Text>
              {values.map((value) => (
                <Group key={value} gap={6} wrap="nowrap" data-testid="identifier">
                  <Text size="sm" style={{ overflowWrap: "anywhere" }}>
                    {value}
                  </Text>
                  {isShared(profile, kind, value) ? (
                    <Tooltip label="Other people were seen with this identifier too (a shared device or inbox)" multiline w={240}>
                      <Badge size="xs" color="orange" tabIndex={0}>
                        shared
                      </Badge>
                    </Tooltip>
                  ) : null}
                </Group>
              ))}
            </div>
          ))
        )}
        <Title order={3} mt="xs">
          Merges
        </Title>
        {profile.merges.length === 0 ? (
          <Text size="sm" c="dimmed">
            No other profile was merged into this one.
          </Text>
        ) : (
          <Stack gap={6}>
            {profile.merges.map((merge) => (
              <div key={merge.merged_id} data-testid="merge">
                <Text size="sm">
                  <Anchor component={Link} to={`/profiles/${encodeURIComponent(merge.merged_id)}`} ff="monospace" size="sm">
                    {merge.merged_id}
                  </Anchor>{" "}
                  merged in: {MERGE_REASONS[merge.reason] ?? merge.reason}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatInstant(merge.at)}
                </Text>
              </div>
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
