import {
  IconAdjustments,
  IconBrain,
  IconCalculator,
  IconChartBar,
  IconHome,
  IconLayoutBoard,
  IconLayoutGrid,
  IconMail,
  IconPlugConnected,
  IconRoute,
  IconSpeakerphone,
  IconUsers,
  IconUsersGroup,
  type Icon,
} from "@tabler/icons-react";
import type { Permission } from "../auth/session";

/** A section of the console; `group` heads the sections that belong together. */
type NavItem = { to: string; label: string; needs: Permission; icon: Icon; group: NavGroup };
type NavGroup = "Overview" | "Engage" | "Audience" | "Measure" | "Workspace";

/** The console's sections, each shown only to a role holding what it needs. */
export const NAVIGATION: NavItem[] = [
  { to: "/", label: "Home", needs: "read_reports", icon: IconHome, group: "Overview" },
  { to: "/journeys", label: "Journeys", needs: "read_definitions", icon: IconRoute, group: "Engage" },
  { to: "/ready-journeys", label: "Ready journeys", needs: "read_definitions", icon: IconLayoutGrid, group: "Engage" },
  { to: "/broadcasts", label: "Broadcasts", needs: "read_definitions", icon: IconSpeakerphone, group: "Engage" },
  { to: "/placements", label: "Placements", needs: "read_definitions", icon: IconLayoutBoard, group: "Engage" },
  { to: "/templates", label: "Templates", needs: "read_definitions", icon: IconMail, group: "Engage" },
  { to: "/profiles", label: "Profiles", needs: "read_profiles", icon: IconUsers, group: "Audience" },
  { to: "/segments", label: "Segments", needs: "read_definitions", icon: IconUsersGroup, group: "Audience" },
  { to: "/computed-traits", label: "Computed traits", needs: "read_definitions", icon: IconCalculator, group: "Audience" },
  { to: "/predictions", label: "Predictions", needs: "read_definitions", icon: IconBrain, group: "Audience" },
  { to: "/analytics", label: "Analytics", needs: "read_reports", icon: IconChartBar, group: "Measure" },
  { to: "/integrations", label: "Integrations", needs: "manage_integrations", icon: IconPlugConnected, group: "Workspace" },
  { to: "/settings", label: "Settings", needs: "read_definitions", icon: IconAdjustments, group: "Workspace" },
];

/** The sections in their groups, in order, leaving out empty groups. */
export function grouped(items: NavItem[]): { group: NavGroup; items: NavItem[] }[] {
  const groups: { group: NavGroup; items: NavItem[] }[] = [];
  for (const item of items) {
    const last = groups.at(-1);
    if (last?.group === item.group) last.items.push(item);
    else groups.push({ group: item.group, items: [item] });
  }
  return groups;
}

/** Whether the section at `to` is the one the path is in. */
export function isActive(to: string, pathname: string): boolean {
  if (to === "/") return pathname === "/";
  return pathname === to || pathname.startsWith(`${to}/`);
}
