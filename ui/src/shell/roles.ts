import { capitalised } from "../ui/text";

/** A role as people read it: "owner" → "Owner". */
export function roleLabel(role: string | null | undefined): string {
  if (!role) return "No role";
  return capitalised(role);
}

/** Up to two initials of a name, else of the e-mail's local part. */
export function initials(name: string | null | undefined, email: string | null | undefined): string {
  const words = (name ?? "").trim().split(/\s+/).filter(Boolean);
  if (words.length >= 2) return (words[0]!.charAt(0) + words.at(-1)!.charAt(0)).toUpperCase();
  if (words.length === 1) return words[0]!.slice(0, 2).toUpperCase();
  const local = (email ?? "").split("@")[0] ?? "";
  const parts = local.split(/[._-]+/).filter(Boolean);
  if (parts.length >= 2) return (parts[0]!.charAt(0) + parts[1]!.charAt(0)).toUpperCase();
  return local.slice(0, 2).toUpperCase() || "?";
}
