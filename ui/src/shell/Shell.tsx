import { AppShell, Burger, Group, Menu, NavLink, ScrollArea, Select, Text, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { Link, Outlet, useLocation, useNavigate } from "react-router";
import { readable } from "../api/errors";
import { useSession } from "../auth/session";
import { NAVIGATION } from "./navigation";

export function Shell() {
  const { account, can, logout, switchWorkspace } = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const items = NAVIGATION.filter((item) => can(item.needs));
  const active = (to: string) => (to === "/" ? location.pathname === "/" : location.pathname.startsWith(to));
  const who = account.user?.email ?? "admin key";

  async function choose(key: string | null) {
    if (!key || key === account.workspace?.key) return;
    try {
      await switchWorkspace(key);
      navigate("/");
    } catch (error) {
      notifications.show({ color: "red", title: "Could not switch workspace", message: readable(error) });
    }
  }

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Text component={Link} to="/" fw={750} size="lg" c="indigo.7">
              Baton
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {account.workspaces.length > 1 ? (
              <Select
                aria-label="Workspace"
                size="xs"
                w={180}
                value={account.workspace?.key ?? null}
                data={account.workspaces.map((w) => ({ value: w.key, label: w.name }))}
                onChange={choose}
                allowDeselect={false}
              />
            ) : (
              <Text size="sm" c="dimmed">
                {account.workspace?.name}
              </Text>
            )}
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label="Account menu">
                  <Text size="sm" fw={500}>
                    {who}
                  </Text>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{account.workspace?.role}</Menu.Label>
                <Menu.Item onClick={() => void logout().then(() => navigate("/login"))}>Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Sections">
        <ScrollArea>
          {items.map((item) => (
            <NavLink key={item.to} component={Link} to={item.to} label={item.label} active={active(item.to)} onClick={close} />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
