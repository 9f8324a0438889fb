import type { Permission } from "../auth/session";

export type NavItem = { to: string; label: string; needs: Permission };

/** The console's sections, each shown only to a role holding what it needs. */
export const NAVIGATION: NavItem[] = [
  { to: "/", label: "Home", needs: "read_reports" },
  { to: "/journeys", label: "Journeys", needs: "read_definitions" },
  { to: "/ready-journeys", label: "Ready journeys", needs: "read_definitions" },
  { to: "/profiles", label: "Profiles", needs: "read_profiles" },
  { to: "/segments", label: "Segments", needs: "read_definitions" },
  { to: "/templates", label: "Templates", needs: "read_definitions" },
  { to: "/analytics", label: "Analytics", needs: "read_reports" },
  { to: "/settings", label: "Settings", needs: "read_definitions" },
];
