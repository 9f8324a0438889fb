import { Button, Card, Group, Loader, Modal, MultiSelect, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fieldError } from "../api/errors";
import { ACCOUNT_QUERY, useSession } from "../auth/session";
import { roleLabel } from "../shell/roles";
import { ErrorNotice } from "../ui/ErrorNotice";
import { FormError } from "../ui/FormError";
import { formatInstant } from "../ui/format";
import { useCursorPages } from "../ui/pages";
import { changeWorkspace, createWorkspace, deleteWorkspace, fetchWorkspace, fetchWorkspaces, type ApprovalKind, type Workspace } from "./api";
import { Fact } from "./Fact";
import { SimpleTable } from "./SimpleTable";

const APPROVALS: { value: ApprovalKind; label: string }[] = [
  { value: "journeys", label: "Journeys" },
  { value: "templates", label: "Templates" },
  { value: "broadcasts", label: "Broadcasts" },
  { value: "models", label: "Models" },
];

export function WorkspaceTab() {
  const { can, account } = useSession();
  const workspace = useQuery({ queryKey: ["workspace"], queryFn: fetchWorkspace });
  return (
    <Stack gap="lg">
      <Card maw={720}>
        <Title order={2} size="h4" mb="sm">
          Workspace
        </Title>
        {workspace.isError ? (
          <ErrorNotice error={workspace.error} title="Could not load the workspace" />
        ) : workspace.isPending ? (
          <Loader aria-label="Loading the workspace" />
        ) : can("manage_workspace") ? (
          <WorkspaceForm key={workspace.data.name + workspace.data.require_approval.join()} workspace={workspace.data} />
        ) : (
          <>
            <Fact label="Name">{workspace.data.name}</Fact>
            <Fact label="Changes that need approval">{workspace.data.require_approval.map((kind) => APPROVALS.find((a) => a.value === kind)?.label ?? kind).join(", ") || "None"}</Fact>
          </>
        )}
        {workspace.data ? (
          <>
            <Fact label="Key">
              <Text span ff="monospace" size="sm">
                {workspace.data.key}
              </Text>
            </Fact>
            <Fact label="Time zone">{workspace.data.timezone}</Fact>
            <Fact label="Default workspace">{workspace.data.is_default ? "Yes" : "No"}</Fact>
            <Fact label="Created">{formatInstant(workspace.data.created_at)}</Fact>
          </>
        ) : null}
      </Card>
      {account.user?.installation_owner ? (
        <InstallationWorkspaces />
      ) : (
        <SimpleTable
          title="Your workspaces"
          columns={["Name", "Key", "Your role"]}
          rows={account.workspaces.map((member) => ({ key: member.id, cells: [member.name, member.key, roleLabel(member.role)] }))}
          empty="You work in no workspace."
        />
      )}
      {workspace.data && can("delete_workspace") ? <DangerZone workspace={workspace.data} /> : null}
    </Stack>
  );
}

function WorkspaceForm({ workspace }: { workspace: Workspace }) {
  const client = useQueryClient();
  const [name, setName] = useState(workspace.name);
  const [approvals, setApprovals] = useState(workspace.require_approval);
  const save = useMutation({
    mutationFn: () => changeWorkspace({ name: name.trim(), require_approval: approvals }),
    onSuccess: (saved) => {
      client.setQueryData(["workspace"], saved);
      void client.invalidateQueries({ queryKey: ACCOUNT_QUERY });
      notifications.show({ color: "green", title: "Workspace saved", message: saved.name });
    },
  });
  return (
    <form
      aria-label="Workspace name and approvals"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="sm" mb="md">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} />
        <MultiSelect
          label="Changes that need approval"
          description="What marketers make live only once an owner or admin approves it."
          placeholder={approvals.length ? undefined : "None: marketers publish directly"}
          data={APPROVALS}
          value={approvals}
          onChange={(chosen) => setApprovals(APPROVALS.filter((option) => chosen.includes(option.value)).map((option) => option.value))}
          error={fieldError(save.error, "require_approval")}
        />
        <FormError error={save.error} shownAt={["name", "require_approval"]} />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending} disabled={!name.trim()}>
            Save workspace
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function InstallationWorkspaces() {
  const { switchWorkspace } = useSession();
  const client = useQueryClient();
  const workspaces = useCursorPages(["workspaces"], fetchWorkspaces);
  const [name, setName] = useState("");
  const [key, setKey] = useState("");
  const create = useMutation({
    mutationFn: () => createWorkspace(name.trim(), key.trim()),
    onSuccess: (made) => {
      setName("");
      setKey("");
      void client.invalidateQueries({ queryKey: ["workspaces"] });
      void client.invalidateQueries({ queryKey: ACCOUNT_QUERY });
      notifications.show({ color: "green", title: "Workspace made", message: `${made.workspace.name}: you are its owner. Its keys are under Keys once you switch to it.` });
    },
  });
  return (
    <Stack gap="lg">
      {workspaces.isError ? (
        <ErrorNotice error={workspaces.error} title="Could not load the workspaces" />
      ) : workspaces.isPending ? (
        <Loader aria-label="Loading the workspaces" />
      ) : (
        <SimpleTable
          title="Workspaces of this installation"
          columns={["Name", "Key", "Created", "Open"]}
          rows={workspaces.items.map((found) => ({
            key: found.id,
            cells: [
              found.name,
              found.key,
              formatInstant(found.created_at),
              <Button key="open" size="xs" variant="default" onClick={() => void switchWorkspace(found.key)} aria-label={`Switch to ${found.name}`}>
                Switch
              </Button>,
            ],
          }))}
          empty="No workspace."
          more={workspaces}
        />
      )}
      <Card>
        <Title order={2} size="h4" mb="sm">
          New workspace
        </Title>
        <form
          aria-label="New workspace"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <Group align="flex-end" wrap="wrap">
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(create.error, "name")} w={260} />
            <TextInput label="Key" description="Optional: made from the name" value={key} onChange={(e) => setKey(e.currentTarget.value)} error={fieldError(create.error, "key")} w={220} />
            <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
              Make the workspace
            </Button>
          </Group>
          <FormError error={create.error} shownAt={["name", "key"]} />
        </form>
      </Card>
    </Stack>
  );
}

function DangerZone({ workspace }: { workspace: Workspace }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const remove = useMutation({
    mutationFn: () => deleteWorkspace(typed),
    onSuccess: () => {
      client.clear();
      window.location.assign("/");
    },
  });
  return (
    <Card maw={720} withBorder style={{ borderColor: "var(--mantine-color-red-3)" }}>
      <Title order={2} size="h4">
        Delete the workspace
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Its profiles, events, journeys, messages, keys and members all go, at once and for good.
      </Text>
      <Group>
        <Button color="red" variant="light" onClick={() => setOpen(true)}>
          Delete this workspace
        </Button>
      </Group>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Delete ${workspace.name}?`}>
        <Stack>
          <Text size="sm">
            This cannot be undone. Type the workspace's key, <b>{workspace.key}</b>, to confirm.
          </Text>
          <TextInput label="Workspace key" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} error={fieldError(remove.error, "confirm")} autoComplete="off" />
          <FormError error={remove.error} shownAt={["confirm"]} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button color="red" disabled={typed !== workspace.key} loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete for good
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
