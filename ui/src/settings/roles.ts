import { roleLabel } from "../shell/roles";

/** Every role, most powerful first, as select options (baton/teams/roles.py). */
export const ROLES = ["owner", "admin", "developer", "marketer", "analyst", "viewer"].map((value) => ({ value, label: roleLabel(value) }));
