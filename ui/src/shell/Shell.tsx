import { Anchor, AppShell, Box, Burger, Group, NavLink, ScrollArea } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Link, Outlet, useLocation } from "react-router";
import { useSession } from "../auth/session";
import { AccountMenu } from "./AccountMenu";
import { BrandMark } from "./BrandMark";
import { grouped, isActive, NAVIGATION } from "./navigation";
import { WorkspaceSwitcher } from "./WorkspaceSwitcher";
import classes from "./Shell.module.css";

export function Shell() {
  const { account, can } = useSession();
  // Below 992 px (a 768 px tablet included) the sections fold behind the burger.
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const sections = grouped(NAVIGATION.filter((item) => can(item.needs)));

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 232, breakpoint: "md", collapsed: { mobile: !opened } }} padding="lg">
      <Anchor href="#main" className={classes.skip}>
        Skip to content
      </Anchor>
      <AppShell.Header className={classes.header}>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="sm">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label={opened ? "Close navigation" : "Open navigation"} aria-expanded={opened} />
            <Link to="/" className={classes.brand} aria-label="Baton, home">
              <BrandMark />
              <span>Baton</span>
            </Link>
          </Group>
          <Group gap="sm" wrap="nowrap" miw={0}>
            <WorkspaceSwitcher />
            <AccountMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" className={classes.navbar} component="nav" aria-label="Sections">
        <ScrollArea type="scroll">
          {sections.map(({ group, items }) => (
            <Box key={group} mb={4}>
              {group === "Overview" ? null : <div className={classes.groupLabel}>{group}</div>}
              {items.map(({ to, label, icon: Icon }) => {
                const active = isActive(to, location.pathname);
                return (
                  <NavLink
                    key={to}
                    component={Link}
                    to={to}
                    label={label}
                    leftSection={<Icon size={18} stroke={1.6} aria-hidden />}
                    active={active}
                    aria-current={active ? "page" : undefined}
                    className={classes.link}
                    onClick={close}
                  />
                );
              })}
            </Box>
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1} className={classes.main}>
        <Box className={classes.content}>
          {/* A new workspace: every page starts again, with nothing of the last one's. */}
          <Outlet key={account.workspace?.id ?? "none"} />
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
