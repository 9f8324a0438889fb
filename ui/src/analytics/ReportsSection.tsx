import { Anchor, Card, Group, Select, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { listJourneys } from "../journeys/api";
import { ErrorNotice } from "../ui/ErrorNotice";
import { LoadMore } from "../ui/LoadMore";
import { useCursorPages } from "../ui/pages";
import { useAddress } from "../ui/address";
import { JourneyReport } from "./JourneyReport";

/** A journey chosen from the list (`?journey=`), and its report. */
export function ReportsSection({ days }: { days: number }) {
  const [params, change] = useAddress();
  const chosen = params.get("journey") ?? "";
  const journeys = useCursorPages(["journeys", "for-reports"], (cursor) => listJourneys(cursor, 100), true, 60_000);
  const choices = journeys.items.map((journey) => ({ value: journey.key, label: journey.name || journey.key }));
  if (chosen !== "" && !choices.some((choice) => choice.value === chosen)) choices.unshift({ value: chosen, label: chosen });
  return (
    <Stack gap="lg">
      <Card>
        <Group align="flex-end" justify="space-between">
          <Select
            label="Journey"
            placeholder={journeys.isPending ? "Loading the journeys…" : "Choose a journey"}
            data={choices}
            value={chosen || null}
            onChange={(value) => change({ journey: value })}
            searchable
            nothingFoundMessage="No journey of that name"
            w={360}
          />
          {chosen ? (
            <Anchor component={Link} to={`/journeys/${encodeURIComponent(chosen)}`} size="sm">
              Open the journey
            </Anchor>
          ) : null}
        </Group>
        <LoadMore list={journeys} label="More journeys" size="xs" />
        {journeys.isError ? <ErrorNotice error={journeys.error} title="Could not load the journeys" /> : null}
      </Card>
      {chosen ? (
        <JourneyReport journeyKey={chosen} days={days} />
      ) : (
        <Text size="sm" c="dimmed">
          Choose a journey to read its report: the people at each step, the goal, the revenue and its experiments.
        </Text>
      )}
    </Stack>
  );
}
