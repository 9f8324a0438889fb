import { Avatar, Badge, Group, Menu, Stack, Text, UnstyledButton } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconChevronDown, IconLogout } from "@tabler/icons-react";
import { useNavigate } from "react-router";
import { readable } from "../api/errors";
import { useSession } from "../auth/session";
import { initials, roleLabel } from "./roles";
import classes from "./Shell.module.css";

/** Who is signed in, their role here, and signing out. */
export function AccountMenu() {
  const { account, logout } = useSession();
  const navigate = useNavigate();
  const user = account.user;
  const shown = user ? (user.name || user.email) : "Admin key";
  const role = roleLabel(account.workspace?.role);

  async function signOut() {
    try {
      await logout();
      navigate("/login");
    } catch (error) {
      notifications.show({ color: "red", title: "Could not sign out", message: readable(error) });
    }
  }

  return (
    <Menu position="bottom-end" width={260} withinPortal withInitialFocusPlaceholder={false}>
      <Menu.Target>
        <UnstyledButton className={classes.accountButton} aria-label={`Account menu for ${shown}`}>
          <Group gap="xs" wrap="nowrap">
            <Avatar size={32} radius="xl" color="indigo" aria-hidden>
              {initials(user?.name, user?.email ?? "admin key")}
            </Avatar>
            <Stack gap={0} visibleFrom="sm" className={classes.accountText}>
              <Text size="sm" fw={500} truncate>
                {shown}
              </Text>
              <Text size="xs" c="dimmed">
                {role}
              </Text>
            </Stack>
            <IconChevronDown size={14} aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Signed in as</Menu.Label>
        <Stack gap={4} px="sm" pb="xs">
          <Text size="sm" fw={500}>
            {user?.name || shown}
          </Text>
          {user ? (
            <Text size="xs" c="dimmed">
              {user.email}
            </Text>
          ) : null}
          <Group gap={6}>
            <Badge color="indigo">{role}</Badge>
            {account.workspace?.name ? (
              <Text size="xs" c="dimmed">
                in {account.workspace.name}
              </Text>
            ) : null}
          </Group>
        </Stack>
        <Menu.Divider />
        <Menu.Item leftSection={<IconLogout size={16} aria-hidden />} onClick={() => void signOut()}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
