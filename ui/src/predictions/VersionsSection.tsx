import { Anchor, Badge, Button, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { Link } from "react-router";
import { useSession } from "../auth/session";
import { ConfirmAction } from "../ui/ConfirmAction";
import { formatInstant, timeAgo } from "../ui/format";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
import { useRollback, type Prediction, type Version } from "./api";
import { headline, VERSION_STATUS } from "./metrics";

/** The model versions kept, newest first; a ready one can become the one that scores. */
export function VersionsSection({ prediction }: { prediction: Prediction }) {
  const { can } = useSession();
  const rollback = useRollback();
  const [asked, setAsked] = useState<Version | null>(null);
  const versions = prediction.versions;
  return (
    <TableCard title="Versions" description={`The last ${String(prediction.definition.keep_versions ?? 5)} models are kept. The active one writes the scores.`}>
      {!versions.length ? (
        <TableCardNote>
          <Text size="sm" c="dimmed">
            No version yet.
          </Text>
        </TableCardNote>
      ) : (
        <Table.ScrollContainer minWidth={720} type="native" tabIndex={0} role="region" aria-label="Model versions">
          <Table>
            <TableHead columns={["Version", "Status", "Trained", "Headline metric", ""]} edge />
            <Table.Tbody>
              {versions.map((version) => {
                const status = VERSION_STATUS[version.status];
                return (
                  <Table.Tr key={version.version} data-testid={`version-${version.version}`}>
                    <Table.Td pl="lg">
                      <Text size="sm" fw={600}>
                        {version.version}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {version.active ? (
                        <Badge color="indigo" variant="filled" mr={4}>
                          Active
                        </Badge>
                      ) : null}
                      <Badge color={status.color} variant="light">
                        {status.label}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={formatInstant(version.trained_at)}>
                        {timeAgo(version.trained_at)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{headline(prediction.kind, version.metrics)}</Text>
                    </Table.Td>
                    <Table.Td pr="lg" ta="right">
                      {version.status === "pending_approval" ? (
                        <Anchor component={Link} to="/settings?tab=approvals" size="sm">
                          Open the review
                        </Anchor>
                      ) : version.status === "ready" && !version.active && can("publish") ? (
                        <Button size="compact-sm" variant="default" onClick={() => setAsked(version)}>
                          Make active
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {asked ? (
        <ConfirmAction
          opened
          title={`Make version ${asked.version} active?`}
          confirmLabel="Make active"
          onClose={() => setAsked(null)}
          onConfirm={async () => {
            await rollback.mutateAsync({ key: prediction.key, version: asked.version });
            notifications.show({ color: "green", message: `Version ${asked.version} of ${prediction.name} is active; its scores are written again now.` });
          }}
        >
          <Text size="sm">
            Every profile is scored again with version {asked.version} (trained {formatInstant(asked.trained_at)}). Segments, journeys and templates that read{" "}
            <Text span ff="monospace">
              {prediction.trait}
            </Text>{" "}
            see its scores.
          </Text>
        </ConfirmAction>
      ) : null}
    </TableCard>
  );
}
