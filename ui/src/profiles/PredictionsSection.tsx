import { Anchor, Badge, Card, Group, List, Loader, Stack, Text, Title } from "@mantine/core";
import { IconArrowDownRight, IconArrowUpRight } from "@tabler/icons-react";
import { Link } from "react-router";
import { useSession } from "../auth/session";
import { useProfilePredictions, type ProfileScore } from "../predictions/api";
import { decileText, scoreText } from "../predictions/metrics";
import { ErrorNotice } from "../ui/ErrorNotice";
import { timeAgo } from "../ui/format";
import { capitalised } from "../ui/text";

/** The person's scores from each active prediction, where they stand among everyone, and
 * why, in plain words; the items recommended to them. */
export function PredictionsSection({ profileId }: { profileId: string }) {
  const found = useProfilePredictions(profileId);
  return (
    <Card data-testid="profile-predictions">
      <Title order={2} mb="sm">
        Predictions
      </Title>
      {found.isError ? (
        <ErrorNotice error={found.error} title="Could not load the predictions" />
      ) : found.isPending ? (
        <Loader size="sm" aria-label="Loading the predictions" />
      ) : !found.data.predictions.length ? (
        <Text size="sm" c="dimmed">
          No model has scored this person yet.
        </Text>
      ) : (
        <Stack gap="md">
          {found.data.predictions.map((score) => (
            <ScoreView key={score.key} score={score} />
          ))}
        </Stack>
      )}
    </Card>
  );
}

function ScoreView({ score }: { score: ProfileScore }) {
  const { can } = useSession();
  const standing = decileText(score.decile);
  const value = scoreText(score.kind, score.score, score.traits);
  const items = score.detail.items ?? [];
  return (
    <Stack gap={4} data-testid={`profile-score-${score.key}`}>
      <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
        {can("read_definitions") ? (
          <Anchor component={Link} to={`/predictions/${encodeURIComponent(score.key)}`} size="sm" fw={600}>
            {score.name}
          </Anchor>
        ) : (
          <Text size="sm" fw={600}>
            {score.name}
          </Text>
        )}
        {value ? (
          <Text size="sm" fw={600} ta="right">
            {value}
          </Text>
        ) : null}
      </Group>
      <Text size="xs" c="dimmed">
        {standing ? `${capitalised(standing)} · ` : ""}
        <Text span ff="monospace" size="xs">
          {score.trait}
        </Text>
        {` · scored ${timeAgo(score.scored_at)}`}
      </Text>
      {score.kind === "recommendations" && !items.length ? (
        <Text size="sm" c="dimmed">
          Nothing to recommend now: they have met every item in stock.
        </Text>
      ) : null}
      {items.length ? (
        <Group gap={6} aria-label={`Recommended by ${score.name}`} role="list">
          {items.map((item) => (
            <Badge key={item} variant="light" color="indigo" role="listitem" tt="none">
              {item}
            </Badge>
          ))}
          {score.detail.source === "popularity" ? (
            <Text size="xs" c="dimmed">
              (most popular: no history yet)
            </Text>
          ) : null}
        </Group>
      ) : null}
      {score.reasons.length ? (
        <List size="sm" spacing={2} center aria-label={`Why: ${score.name}`}>
          {score.reasons.map((reason) => (
            <List.Item
              key={`${reason.feature}:${reason.text}`}
              icon={
                reason.effect > 0 ? (
                  <IconArrowUpRight size={14} color="var(--mantine-color-gray-7)" aria-label="raises the score" />
                ) : reason.effect < 0 ? (
                  <IconArrowDownRight size={14} color="var(--mantine-color-gray-7)" aria-label="lowers the score" />
                ) : (
                  <span style={{ display: "inline-block", width: 14 }} />
                )
              }
            >
              {reason.text}
            </List.Item>
          ))}
        </List>
      ) : null}
    </Stack>
  );
}
