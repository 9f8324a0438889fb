import { Badge, Card, Group, Loader, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant } from "../ui/format";
import { fetchWorkspace } from "./api";
import { Fact } from "./Fact";

const APPROVALS: Record<string, string> = { journeys: "Journeys", templates: "Templates", broadcasts: "Broadcasts", models: "Models" };

export function WorkspaceTab() {
  const workspace = useQuery({ queryKey: ["workspace"], queryFn: fetchWorkspace });
  return (
    <Card maw={640}>
      <Title order={2} size="h4" mb="sm">
        Workspace
      </Title>
      {workspace.isError ? (
        <ErrorNotice error={workspace.error} title="Could not load the workspace" />
      ) : workspace.isPending ? (
        <Loader aria-label="Loading the workspace" />
      ) : (
        <>
          <Fact label="Name">{workspace.data.name}</Fact>
          <Fact label="Key">
            <Text span ff="monospace" size="sm">
              {workspace.data.key}
            </Text>
          </Fact>
          <Fact label="Time zone">{workspace.data.timezone}</Fact>
          <Fact label="Changes that need approval">
            {workspace.data.require_approval.length ? (
              <Group gap={4} justify="flex-end">
                {workspace.data.require_approval.map((kind) => (
                  <Badge key={kind} color="violet">
                    {APPROVALS[kind] ?? kind}
                  </Badge>
                ))}
              </Group>
            ) : (
              "None: marketers publish directly"
            )}
          </Fact>
          <Fact label="Default workspace">{workspace.data.is_default ? "Yes" : "No"}</Fact>
          <Fact label="Created">{formatInstant(workspace.data.created_at)}</Fact>
        </>
      )}
    </Card>
  );
}
