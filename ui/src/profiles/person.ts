import type { Profile } from "./api";

/** How the console names and sums up a person, from whatever the profile holds. */

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

export function emailOf(profile: Pick<Profile, "traits" | "identifiers">): string | null {
  return text(profile.traits.email) ?? profile.identifiers.email?.[0] ?? null;
}

export function phoneOf(profile: Pick<Profile, "traits" | "identifiers">): string | null {
  return text(profile.traits.phone) ?? profile.identifiers.phone?.[0] ?? null;
}

/** The person's name from their traits; null when they gave none. */
export function personName(profile: Pick<Profile, "traits">): string | null {
  const { traits } = profile;
  const full = [text(traits.firstName), text(traits.lastName)].filter(Boolean).join(" ");
  return text(traits.name) ?? (full || null);
}

/** What to call the profile: a name, else an e-mail, phone or user id. */
export function displayName(profile: Pick<Profile, "traits" | "identifiers">): string {
  return (
    personName(profile) ??
    emailOf(profile) ??
    phoneOf(profile) ??
    profile.identifiers.user_id?.[0] ??
    "Anonymous visitor"
  );
}

/** Up to two letters for the avatar: of the name's first two words, else of the e-mail. */
export function initials(profile: Pick<Profile, "traits" | "identifiers">): string {
  const name = personName(profile);
  if (name) {
    const words = name.split(/\s+/).filter(Boolean);
    return words
      .slice(0, 2)
      .map((word) => Array.from(word)[0] ?? "")
      .join("")
      .toUpperCase();
  }
  const other = emailOf(profile) ?? profile.identifiers.user_id?.[0];
  return other ? (Array.from(other)[0] ?? "?").toUpperCase() : "?";
}

export function identifierCount(profile: Pick<Profile, "identifiers">): number {
  return Object.values(profile.identifiers).reduce((sum, values) => sum + values.length, 0);
}

/** Whether another user was seen with this identifier too. */
export function isShared(profile: Pick<Profile, "shared_identifiers">, kind: string, value: string): boolean {
  return profile.shared_identifiers[kind]?.includes(value) ?? false;
}

const KIND_LABELS: Record<string, string> = {
  user_id: "User ID",
  email: "E-mail",
  phone: "Phone",
  anonymous_id: "Anonymous ID",
};

export function identifierLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind.replaceAll("_", " ");
}
