import { Anchor, Card, Code, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { formatInstant } from "../ui/format";
import type { ProfileDetail } from "./api";
import classes from "./TraitsSection.module.css";

// Shown in the header's key facts, and (predicted.*) in the Predictions card with their
// reasons, rather than among the computed traits.
const BUILT_IN = new Set(["first_seen_at", "last_seen_at", "predicted"]);

function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <Text span c="dimmed">–</Text>;
  if (typeof value === "object") return <Code style={{ whiteSpace: "pre-wrap" }}>{JSON.stringify(value)}</Code>;
  return String(value);
}

function Pairs({ values }: { values: [string, unknown][] }) {
  return (
    <dl className={classes.pairs}>
      {values.map(([name, value]) => (
        <div key={name}>
          <dt className={classes.name}>{name}</dt>
          <dd className={classes.value}>
            <Value value={value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** What the person told us (traits), what Baton computes from their events, and the
 * segments they are in. */
export function TraitsSection({ profile }: { profile: ProfileDetail }) {
  const traits = Object.entries(profile.traits).sort(([a], [b]) => a.localeCompare(b));
  const computed = Object.entries(profile.computed).filter(([key]) => !BUILT_IN.has(key));
  return (
    <Card>
      <Stack gap="sm">
        <Title order={2}>Traits</Title>
        {traits.length === 0 ? (
          <Text size="sm" c="dimmed">
            No traits yet.
          </Text>
        ) : (
          <Pairs values={traits} />
        )}
        <Title order={3} mt="xs">
          Computed traits
        </Title>
        {computed.length === 0 ? (
          <Text size="sm" c="dimmed">
            No computed trait has a value for this person.
          </Text>
        ) : (
          <>
            <Pairs values={computed} />
            <Text size="xs" c="dimmed">
              Kept up to date from the person's events: recomputed with each new event and as time windows pass.
            </Text>
          </>
        )}
        <Title order={3} mt="xs">
          Segments ({profile.segments.length})
        </Title>
        {profile.segments.length === 0 ? (
          <Text size="sm" c="dimmed">
            Not in any segment.
          </Text>
        ) : (
          <Stack gap={4}>
            {profile.segments.map((segment) => (
              <Text key={segment.id} size="sm">
                <Anchor component={Link} to={`/segments/${encodeURIComponent(segment.key)}`} size="sm">
                  {segment.name}
                </Anchor>{" "}
                <Text span size="xs" c="dimmed">
                  since {formatInstant(segment.entered_at)}
                </Text>
              </Text>
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
