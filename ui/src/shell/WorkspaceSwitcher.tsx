import { Group, Loader, Menu, Text, UnstyledButton } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconBuilding, IconCheck, IconSelector } from "@tabler/icons-react";
import { useState } from "react";
import { useNavigate } from "react-router";
import { readable } from "../api/errors";
import { useSession } from "../auth/session";
import { roleLabel } from "./roles";
import classes from "./Shell.module.css";

/** The workspace one works in; a menu to change it when one belongs to several. */
export function WorkspaceSwitcher() {
  const { account, switchWorkspace } = useSession();
  const navigate = useNavigate();
  const [switching, setSwitching] = useState<string | null>(null);
  const current = account.workspace;
  const name = current?.name ?? (account.user ? "No workspace" : "Admin key");

  if (account.workspaces.length < 2) {
    return (
      <Group gap={6} wrap="nowrap" className={classes.workspace}>
        <IconBuilding size={16} aria-hidden />
        <Text size="sm" fw={500} truncate>
          {name}
        </Text>
      </Group>
    );
  }

  async function choose(key: string) {
    if (key === current?.key) return;
    setSwitching(key);
    try {
      await switchWorkspace(key);
      navigate("/");
    } catch (error) {
      notifications.show({ color: "red", title: "Could not switch workspace", message: readable(error) });
    } finally {
      setSwitching(null);
    }
  }

  return (
    <Menu position="bottom-end" width={260} withinPortal withInitialFocusPlaceholder={false}>
      <Menu.Target>
        <UnstyledButton className={classes.workspaceButton} aria-label={`Workspace: ${name}. Switch workspace`}>
          <Group gap={6} wrap="nowrap">
            {switching ? <Loader size={14} aria-label="Switching workspace" /> : <IconBuilding size={16} aria-hidden />}
            <Text size="sm" fw={500} truncate maw={160}>
              {name}
            </Text>
            <IconSelector size={14} aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Your workspaces</Menu.Label>
        {account.workspaces.map((workspace) => (
          <Menu.Item
            key={workspace.key}
            onClick={() => void choose(workspace.key)}
            rightSection={workspace.key === current?.key ? <IconCheck size={16} aria-label="Current workspace" /> : null}
          >
            <Text size="sm">{workspace.name}</Text>
            <Text size="xs" c="dimmed">
              {roleLabel(workspace.role)}
            </Text>
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
