import { Anchor, Card, Loader, SimpleGrid, Stack, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useSession } from "../auth/session";
import { channelLabel } from "../ui/channels";
import { ErrorNotice } from "../ui/ErrorNotice";
import { fetchPolicy, type Policy } from "./api";
import { Fact } from "./Fact";
import { PolicyForm } from "./PolicyForm";
import { SimpleTable } from "./SimpleTable";

const OPT_IN: Record<string, string> = {
  implicit: "Everyone, until they opt out",
  explicit: "Only after they opt in",
  double: "After they opt in and confirm",
};

const anyValue = "Any";
const channels = (names: string[] | undefined) => (names?.length ? names.map(channelLabel).join(", ") : "All channels");

export function PolicyTab() {
  const policy = useQuery({ queryKey: ["policy"], queryFn: fetchPolicy });
  if (policy.isError) return <ErrorNotice error={policy.error} title="Could not load the messaging policy" />;
  if (policy.isPending) return <Loader aria-label="Loading the messaging policy" />;
  return <PolicyView policy={policy.data} />;
}

function PolicyView({ policy }: { policy: Policy }) {
  const { can } = useSession();
  const quiet = policy.quiet_hours;
  const editable = can("manage_workspace");
  return (
    <Stack gap="lg">
      {editable ? <PolicyForm policy={policy} /> : null}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Card>
          <Title order={2} size="h4" mb="xs">
            Timing
          </Title>
          <Fact label="Time zone">{policy.timezone ?? "UTC"}</Fact>
          <Fact label="Quiet hours">{quiet ? `${quiet.start} to ${quiet.end}` : "None"}</Fact>
          {quiet ? <Fact label="Quiet on">{channels(quiet.channels)}</Fact> : null}
          <Fact label="Events kept for">{policy.event_retention ?? "Ever"}</Fact>
        </Card>
        <SimpleTable
          title="Cost per delivered message"
          columns={["Channel", "Cost"]}
          rows={Object.entries(policy.message_costs).map(([channel, cost]) => ({ key: channel, cells: [channelLabel(channel), cost] }))}
          empty="No costs set: journey reports show no cost or return."
        />
      </SimpleGrid>
      {editable ? null : (
        <SimpleTable
          title="Frequency caps"
          description="The most messages one person gets in a rolling period, across every journey."
          columns={["Name", "At most", "Per", "Channel", "Subscription group"]}
          rows={policy.caps.map((cap) => ({
            key: cap.name,
            cells: [cap.name, cap.max, cap.per, cap.channel ? channelLabel(cap.channel) : anyValue, cap.subscription_group ?? anyValue],
          }))}
          empty="No frequency caps: journeys send as often as they are built to."
        />
      )}
      <SimpleTable
        title="Subscription groups"
        description="Who gets the messages of each group."
        columns={["Group", "Who gets them", "Confirmation template"]}
        rows={Object.entries(policy.subscription_groups).map(([name, group]) => ({
          key: name,
          cells: [
            name,
            OPT_IN[group.opt_in] ?? group.opt_in,
            group.confirmation_template ? (
              <Anchor component={Link} to={`/templates/${encodeURIComponent(group.confirmation_template)}`} size="sm">
                {group.confirmation_template}
              </Anchor>
            ) : (
              "–"
            ),
          ],
        }))}
        empty="No subscription groups."
      />
      <SimpleTable
        title="Pauses"
        description="While someone is in the segment, their marketing messages wait."
        columns={["Name", "Segment", "Groups", "Checked again every"]}
        rows={policy.pauses.map((pause) => ({
          key: pause.name,
          cells: [
            pause.name,
            <Anchor key="segment" component={Link} to={`/segments/${encodeURIComponent(pause.segment)}`} size="sm">
              {pause.segment}
            </Anchor>,
            pause.subscription_groups?.join(", ") ?? "All",
            pause.recheck,
          ],
        }))}
        empty="No pauses."
      />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <SimpleTable
          title="Event names"
          description="This workspace's names for the standard events the KPIs read."
          columns={["Standard event", "Named here"]}
          rows={Object.entries(policy.event_names).map(([standard, named]) => ({ key: standard, cells: [standard, named] }))}
          empty="The standard names are used as they are."
        />
        <SimpleTable
          title="Template constants"
          description="Values every template reads as workspace.NAME."
          columns={["Name", "Value"]}
          rows={Object.entries(policy.constants).map(([name, value]) => ({
            key: name,
            cells: [name, typeof value === "string" ? value : JSON.stringify(value)],
          }))}
          empty="No constants."
        />
      </SimpleGrid>
    </Stack>
  );
}
