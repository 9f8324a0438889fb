import { Select } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { searchProfiles, type Profile } from "./api";

/** The person's name as the traits give it: `name`, else the first and last names. */
function nameOf(traits: Record<string, unknown>): string | null {
  if (typeof traits.name === "string" && traits.name) return traits.name;
  return [traits.firstName, traits.lastName].filter((part) => typeof part === "string" && part).join(" ") || null;
}

function labelOf(profile: Profile): string {
  const ids = profile.identifiers;
  const name = nameOf(profile.traits);
  const handle = ids.email?.[0] ?? ids.user_id?.[0] ?? ids.phone?.[0] ?? profile.id;
  return name ? `${name} (${handle})` : handle;
}

/** Finds one customer by any identifier or trait, as the profile search does. */
export function ProfilePicker({ value, onChange }: { value: string | null; onChange: (profileId: string | null) => void }) {
  const [search, setSearch] = useState("");
  const [query] = useDebouncedValue(search.trim(), 300);
  const [chosen, setChosen] = useState<{ value: string; label: string } | null>(null);
  const found = useQuery({
    queryKey: ["profiles", "search", query],
    queryFn: () => searchProfiles({ q: query }, undefined, 10),
    enabled: query.length >= 2,
    staleTime: 30_000,
  });
  const options = (found.data?.items ?? []).map((profile) => ({ value: profile.id, label: labelOf(profile) }));
  const data = chosen && !options.some((option) => option.value === chosen.value) ? [chosen, ...options] : options;
  return (
    <Select
      label="Customer"
      description="Search by e-mail, user id, phone or a trait value"
      placeholder="ann@example.com"
      searchable
      clearable
      required
      data={data}
      value={value}
      searchValue={search}
      onSearchChange={setSearch}
      // The API has searched already: show its answers as they are.
      filter={({ options: all }) => all}
      onChange={(id, option) => {
        setChosen(id && option ? { value: id, label: option.label } : null);
        onChange(id);
      }}
      nothingFoundMessage={query.length < 2 ? "Type at least two characters" : found.isFetching ? "Searching…" : "Nobody found"}
      w={340}
      maw="100%"
    />
  );
}
