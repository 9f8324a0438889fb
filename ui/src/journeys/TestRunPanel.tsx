import { Alert, Anchor, Badge, Button, Checkbox, Group, Select, Stack, Text, Timeline, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { testRun, type PathMessage, type TrialRunResult } from "./api";
import { ProfilePicker } from "../profiles/ProfilePicker";

const HORIZONS = [
  { value: "1d", label: "1 day" },
  { value: "7d", label: "7 days" },
  { value: "14d", label: "14 days" },
  { value: "30d", label: "30 days" },
  { value: "90d", label: "90 days" },
];

const ACTIONS: Record<string, string> = {
  delay: "started waiting",
  wait_until: "started waiting",
  wait_for_event: "started waiting for the event",
  message: "message queued",
  branch: "took a branch",
  split: "was assigned a group",
  holdout: "holdout checked",
  update_profile: "profile updated",
  webhook: "webhook queued",
  enter_journey: "handed to another journey",
  exit: "reached the exit",
  timer: "time came",
  timed_out: "stopped waiting",
  event: "event received",
  goal: "reached the goal",
  exit_rule: "left on an exit rule",
  ended: "left the journey",
  resumed: "went on",
};

function decisionOf(message: PathMessage): string {
  const last = message.decisions[message.decisions.length - 1];
  if (!last) return "queued";
  const reason = last.reason ? ` (${last.reason})` : "";
  return `${last.decision}${reason}`;
}

function Result({ result }: { result: TrialRunResult }) {
  if (!result.entered) {
    return (
      <Alert color="blue" variant="light" title="This customer would not enter">
        Reason: {result.refusal ?? "unknown"}. Turn off the audience and re-entry rules to test the path anyway.
      </Alert>
    );
  }
  const steps = result.steps ?? [];
  const messages = result.messages ?? [];
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Text size="sm">
          Simulated from {formatInstant(result.from)} to {formatInstant(result.to)} for{" "}
          <Anchor component={Link} to={`/profiles/${encodeURIComponent(result.profile_id)}`}>
            this customer
          </Anchor>
          .
        </Text>
        <Badge variant="dot" color={result.outcome ? "green" : "blue"}>
          {result.outcome ? `Outcome: ${result.outcome}` : `Still at ${result.node ?? "a step"}`}
        </Badge>
      </Group>
      <Timeline bulletSize={12} lineWidth={2} active={steps.length - 1}>
        {steps.map((step, index) => (
          <Timeline.Item key={index}>
            <Text size="sm">
              <b>{step.node}</b> {ACTIONS[step.action] ?? step.action.replace(/_/g, " ")}
            </Text>
            <Text size="xs" c="dimmed">
              {formatInstant(step.at)}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
      {messages.length > 0 ? (
        <>
          <Title order={3} size="h6">
            Messages
          </Title>
          {messages.map((message, index) => (
            <Text size="sm" key={index}>
              {message.channel} “{message.template}” at {message.node}
              {message.to ? ` to ${message.to}` : ""}: {decisionOf(message)}
            </Text>
          ))}
        </>
      ) : null}
    </Stack>
  );
}

/** One customer through the journey on a simulated clock, nothing sent. */
export function TestRunPanel({ journeyKey }: { journeyKey: string }) {
  const [profileId, setProfileId] = useState<string | null>(null);
  const [horizon, setHorizon] = useState("30d");
  const [rules, setRules] = useState(true);
  const run = useMutation({
    mutationFn: (profile_id: string) => testRun(journeyKey, { profile_id, horizon, entry_rules: rules }),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (profileId) run.mutate(profileId);
  }

  return (
    <Stack>
      <Title order={2} size="h4">
        Test run for one customer
      </Title>
      <Text size="sm" c="dimmed">
        See what this customer would go through, step by step, with their real traits and history. Nothing is sent.
      </Text>
      <form onSubmit={submit}>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <ProfilePicker value={profileId} onChange={setProfileId} />
          <Select label="Follow for" data={HORIZONS} value={horizon} onChange={(value) => setHorizon(value ?? "30d")} allowDeselect={false} w={130} />
          <Button type="submit" disabled={!profileId} loading={run.isPending}>
            Run test
          </Button>
        </Group>
        <Checkbox mt="sm" label="Apply the audience and re-entry rules" checked={rules} onChange={(e) => setRules(e.currentTarget.checked)} />
      </form>
      <ErrorNotice error={run.error} title="The test run failed" />
      {run.data ? <Result result={run.data} /> : null}
    </Stack>
  );
}
