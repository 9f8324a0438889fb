import { Alert, Badge, Box, Card, Grid, List, SimpleGrid, Table, Text, Title } from "@mantine/core";
import { IconAlertTriangle, IconCircleCheck } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { Chart } from "../charts/Chart";
import { Figure } from "../ui/Figure";
import { formatCount, formatInstant, formatRate } from "../ui/format";
import { TableHead } from "../ui/TableHead";
import type { Feature, Metrics, Prediction } from "./api";
import { calibrationFigures, holdoutFigures, importanceFigures, liftFigures, recommendationFigures, type Figures } from "./figures";
import { formatParam, formatScore, languageName, verdict } from "./metrics";

function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <Card>
      <Title order={2} size="h4" mb={4}>
        {title}
      </Title>
      {description ? (
        <Text size="sm" c="dimmed" mb="sm">
          {description}
        </Text>
      ) : null}
      {children}
    </Card>
  );
}

function Drawn({ figures }: { figures: Figures }) {
  return <Chart option={figures.option} summary={figures.summary} table={figures.table} height={figures.height} />;
}

/** The model against its baseline in one sentence, green or orange. */
function Verdict({ prediction }: { prediction: Prediction }) {
  const judged = verdict(prediction.kind, prediction.metrics);
  if (!judged) return null;
  return (
    <Alert
      color={judged.beats ? "teal" : "orange"}
      variant="light"
      icon={judged.beats ? <IconCircleCheck size={18} aria-hidden /> : <IconAlertTriangle size={18} aria-hidden />}
      title={judged.title}
      data-testid="verdict"
    >
      {judged.detail}
    </Alert>
  );
}

/** How good the active model (else the newest) is, as its kind measures it. */
export function MetricsSection({ prediction }: { prediction: Prediction }) {
  const metrics = prediction.metrics;
  if (!metrics) {
    return (
      <Section title="Metrics">
        <Text size="sm" c="dimmed">
          No model yet: metrics show once a training succeeds.
        </Text>
      </Section>
    );
  }
  switch (prediction.kind) {
    case "classification":
      return <ClassificationMetricsView prediction={prediction} metrics={metrics} />;
    case "clv":
      return <ClvMetricsView prediction={prediction} metrics={metrics} />;
    case "recommendations":
      return <RecommendationMetricsView prediction={prediction} metrics={metrics} />;
    case "sentiment":
      return <SentimentMetricsView metrics={metrics} />;
  }
}

function ClassificationMetricsView({ prediction, metrics }: { prediction: Prediction; metrics: Metrics }) {
  const name = prediction.name;
  const importance = importanceFigures(prediction.features, name);
  return (
    <Grid gap="lg">
      <Grid.Col span={12}>
        <Section title="Metrics" description={metrics.evaluation ? `Measured on held-out rows: ${metrics.evaluation}.` : undefined}>
          <SimpleGrid cols={{ base: 2, sm: 4 }} mb="md">
            <Figure label="AUC" value={formatScore(metrics.auc)} detail={metrics.baseline ? `baseline ${formatScore(metrics.baseline.auc)}` : undefined} />
            <Figure label="PR-AUC" value={formatScore(metrics.pr_auc)} detail={metrics.baseline ? `baseline ${formatScore(metrics.baseline.pr_auc)}` : undefined} />
            <Figure label="Base rate" value={formatRate(metrics.base_rate)} detail="share of positives" />
            <Figure label="Rows evaluated" value={formatCount(metrics.rows)} detail={`${formatCount(metrics.positives)} positive`} />
          </SimpleGrid>
          <Verdict prediction={prediction} />
        </Section>
      </Grid.Col>
      {metrics.lift?.length ? (
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Section title="Lift by decile" description="How many times the base rate each tenth of scores holds: a useful model's first deciles stand well above 1×.">
            <Drawn figures={liftFigures(metrics.lift, name)} />
          </Section>
        </Grid.Col>
      ) : null}
      {metrics.calibration?.length ? (
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Section title="Calibration" description="Predicted probability against the rate observed: close to the diagonal, a score of 30% means 3 in 10.">
            <Drawn figures={calibrationFigures(metrics.calibration, name)} />
          </Section>
        </Grid.Col>
      ) : null}
      <Grid.Col span={12}>
        <FeaturesCard features={prediction.features} importance={importance} dropped={metrics.dropped_features ?? []} />
      </Grid.Col>
    </Grid>
  );
}

/** Each input's importance as bars, and every input with the type read from its values. */
function FeaturesCard({ features, importance, dropped }: { features: Feature[]; importance: Figures | null; dropped: { name: string; reason: string }[] }) {
  return (
    <Section title="Features" description="What the model reads, by importance (share of the mean |SHAP value|), with the type inferred from the values.">
      {importance ? <Drawn figures={importance} /> : null}
      <Table.ScrollContainer minWidth={520} type="native" mah={360} tabIndex={0} role="region" aria-label="Features and their inferred types" mt="sm">
        <Table stickyHeader>
          <TableHead columns={["Input", "Type", "Inferred", { label: "Importance", right: true }]} />
          <Table.Tbody>
            {features.map((f) => (
              <Table.Tr key={f.name}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {f.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{f.type}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {f.inferred ?? f.description ?? "–"}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm">{f.importance == null ? "–" : formatRate(f.importance)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {dropped.length ? (
        <Text size="xs" c="dimmed" mt="xs">
          Left out: {dropped.map((d) => `${d.name} (${d.reason})`).join("; ")}.
        </Text>
      ) : null}
    </Section>
  );
}

const PARAMS: [string, string][] = [
  ["r", "BG/NBD: shape of the purchase rates"],
  ["alpha", "BG/NBD: scale of the purchase rates"],
  ["a", "BG/NBD: drop-out, first shape"],
  ["b", "BG/NBD: drop-out, second shape"],
  ["p", "Gamma-Gamma: shape of spend per purchase"],
  ["q", "Gamma-Gamma: shape of spend across customers"],
  ["v", "Gamma-Gamma: scale of spend across customers"],
];

function ClvMetricsView({ prediction, metrics }: { prediction: Prediction; metrics: Metrics }) {
  const params = metrics.params ?? {};
  const holdout = metrics.holdout;
  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, lg: 5 }}>
        <Section title="Parameters" description={`Fitted on ${formatCount(metrics.customers)} customers with ${formatCount(metrics.repeat_purchases)} repeat purchases, in ${metrics.time_unit ?? "days"}.`}>
          <Table>
            <TableHead columns={["Parameter", "Meaning", { label: "Value", right: true }]} />
            <Table.Tbody>
              {PARAMS.filter(([name]) => params[name] != null).map(([name, meaning]) => (
                <Table.Tr key={name}>
                  <Table.Td ff="monospace">{name}</Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {meaning}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">{formatParam(params[name])}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {metrics.notes?.length ? (
            <List size="sm" mt="sm" c="dimmed">
              {metrics.notes.map((note) => (
                <List.Item key={note}>{note}</List.Item>
              ))}
            </List>
          ) : null}
        </Section>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 7 }}>
        <Section
          title="Holdout: predicted against actual"
          description={
            holdout
              ? `Fitted on purchases up to ${formatInstant(holdout.start)}, then compared with what customers bought until ${formatInstant(holdout.end)}.`
              : undefined
          }
        >
          {holdout ? (
            <Drawn figures={holdoutFigures(holdout, prediction.name)} />
          ) : (
            <Text size="sm" c="dimmed">
              No holdout: give the definition a <code>calibration_end</code> in the past to fit on purchases up to it and compare the forecast with what came after.
            </Text>
          )}
        </Section>
      </Grid.Col>
    </Grid>
  );
}

function RecommendationMetricsView({ prediction, metrics }: { prediction: Prediction; metrics: Metrics }) {
  const figures = recommendationFigures(metrics as Parameters<typeof recommendationFigures>[0], prediction.name);
  return (
    <Section
      title="Metrics"
      description={`On held-out interactions (${metrics.holdout ?? "none"}) of ${formatCount(metrics.evaluated_people)} people; ${formatCount(metrics.items)} items, ${formatCount(metrics.interactions)} interactions.`}
    >
      <Verdict prediction={prediction} />
      {figures ? (
        <Box mt="sm">
          <Drawn figures={figures} />
        </Box>
      ) : (
        <Text size="sm" c="dimmed">
          Not evaluated: nobody has enough interactions to hold some out.
        </Text>
      )}
    </Section>
  );
}

function SentimentMetricsView({ metrics }: { metrics: Metrics }) {
  const languages = Object.keys(metrics.supported ?? {}).sort();
  return (
    <Section title="Languages" description="Measured on a few labelled sentences per language. A language without an analyser is detected but never scored: no guessing.">
      <Table.ScrollContainer minWidth={480} type="native">
        <Table>
          <TableHead columns={["Language", "Scored", { label: "Accuracy", right: true }, { label: "Language detected", right: true }, { label: "Samples", right: true }]} />
          <Table.Tbody>
            {languages.map((code) => {
              const supported = metrics.supported?.[code] ?? false;
              return (
                <Table.Tr key={code}>
                  <Table.Td>
                    {languageName(code)}{" "}
                    <Text span size="xs" c="dimmed" ff="monospace">
                      {code}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={supported ? "teal" : "gray"} variant="light">
                      {supported ? "Supported" : "Not supported"}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{formatRate(metrics.accuracy?.[code] ?? null)}</Table.Td>
                  <Table.Td ta="right">{formatRate(metrics.language_detection?.[code] ?? null)}</Table.Td>
                  <Table.Td ta="right">{formatCount(metrics.samples?.[code] ?? null)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Section>
  );
}
