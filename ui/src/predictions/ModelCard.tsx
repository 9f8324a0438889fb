import { Alert, Badge, Card, Group, List, Stack, Table, Text, Title } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { formatCount, formatInstant, formatRate } from "../ui/format";
import { TableHead } from "../ui/TableHead";
import type { Fairness, ModelCard as CardDocument, Prediction } from "./api";
import { headline, overBound } from "./metrics";

const FEATURES_SHOWN = 8;

function Part({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap={4}>
      <Title order={3} size="h5">
        {title}
      </Title>
      {children}
    </Stack>
  );
}

/** What the model is, how it was made and checked, and what it is not for. */
export function ModelCardSection({ prediction }: { prediction: Prediction }) {
  const card = prediction.model_card;
  return (
    <Card data-testid="model-card">
      <Title order={2} size="h4" mb={4}>
        Model card
      </Title>
      {!card ? (
        <Text size="sm" c="dimmed">
          Written when a model is trained.
        </Text>
      ) : (
        <Content prediction={prediction} card={card} />
      )}
    </Card>
  );
}

function Content({ prediction, card }: { prediction: Prediction; card: CardDocument }) {
  const window = card.data_window;
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Version {card.version ?? prediction.version ?? "–"}, trained {formatInstant(card.trained_at)}
        {card.scores_as ? `; scores land as the ${card.scores_as}` : ""}.
      </Text>
      <Part title="Data window">
        <Text size="sm">
          {window.start ? `${formatInstant(window.start)} to ${formatInstant(window.end)}` : `Everything up to ${formatInstant(window.end)}`}
        </Text>
      </Part>
      <Part title="Intended use">
        <Text size="sm">{card.intended_use}</Text>
      </Part>
      <Part title="Metrics">
        <Text size="sm">{headline(prediction.kind, card.metrics)}</Text>
      </Part>
      <Part title={`Features (${card.features.length})`}>
        <Text size="sm" style={{ overflowWrap: "anywhere" }}>
          {card.features.slice(0, FEATURES_SHOWN).join(", ") || "–"}
          {card.features.length > FEATURES_SHOWN ? `, and ${card.features.length - FEATURES_SHOWN} more (the most important first; all of them under “Features”)` : ""}
        </Text>
      </Part>
      <Part title="Fairness">
        <FairnessReport fairness={card.fairness} />
      </Part>
      <Part title="Known limits">
        <List size="sm" spacing={4}>
          {card.limits.map((limit) => (
            <List.Item key={limit}>{limit}</List.Item>
          ))}
        </List>
      </Part>
    </Stack>
  );
}

/** Per sensitive trait, each group's mean score and share above the threshold, and the
 * largest gap against the workspace's bound; a warning where it is over. */
function FairnessReport({ fairness }: { fairness: Fairness }) {
  if (fairness.checked === false) {
    return (
      <Text size="sm" c="dimmed">
        Not checked: {fairness.note}.
      </Text>
    );
  }
  if (fairness.profiles === 0) {
    return (
      <Text size="sm" c="dimmed">
        Not compared yet: no profile had a score when this version was trained.
      </Text>
    );
  }
  const over = overBound(fairness);
  return (
    <Stack gap="sm">
      {over.length ? (
        <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} aria-hidden />} title="Gap over the bound">
          The scores differ across {over.join(", ")} by more than the workspace allows ({formatRate(fairness.max_gap)}).
          {fairness.blocks ? " This version is blocked from scoring." : " Review the features before relying on it."}
        </Alert>
      ) : (
        <Text size="sm">
          Within the bound of {formatRate(fairness.max_gap)} for every sensitive trait, over {formatCount(fairness.profiles)} profiles.
        </Text>
      )}
      {Object.entries(fairness.traits).map(([trait, report]) => (
        <div key={trait}>
          <Group gap="xs" mb={4}>
            <Text size="sm" fw={600}>
              {trait}
            </Text>
            <Badge color={report.within_bound ? "teal" : "orange"} variant="light" size="sm">
              gap {formatRate(report.largest_gap)} {report.within_bound ? "≤" : ">"} {formatRate(fairness.max_gap)}
            </Badge>
          </Group>
          <Table.ScrollContainer minWidth={360} type="native">
            <Table>
              <TableHead columns={["Group", { label: "Profiles", right: true }, { label: "Mean score", right: true }, { label: `Above ${formatRate(fairness.threshold)}`, right: true }]} />
              <Table.Tbody>
                {report.groups.map((group) => (
                  <Table.Tr key={group.group}>
                    <Table.Td>{group.group}</Table.Td>
                    <Table.Td ta="right">{formatCount(group.count)}</Table.Td>
                    <Table.Td ta="right">{group.mean_score.toFixed(2)}</Table.Td>
                    <Table.Td ta="right">{formatRate(group.rate_above)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </div>
      ))}
    </Stack>
  );
}
