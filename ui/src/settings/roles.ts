import { roleLabel } from "../shell/roles";

const ROLE_NAMES = ["owner", "admin", "developer", "marketer", "analyst", "viewer"] as const;
/** A role of a workspace (baton/teams/roles.py), most powerful first. */
export type Role = (typeof ROLE_NAMES)[number];

export const isRole = (value: string): value is Role => (ROLE_NAMES as readonly string[]).includes(value);

/** Every role as select options. */
export const ROLES = ROLE_NAMES.map((value) => ({ value, label: roleLabel(value) }));
