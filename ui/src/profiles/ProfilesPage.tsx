import { Anchor, Avatar, Button, Group, Paper, Stack, Table, Text, TextInput } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatInstant, timeAgo } from "../ui/format";
import { Loading } from "../ui/Loading";
import { PageHeader } from "../ui/PageHeader";
import { useCursorPages } from "../ui/pages";
import { TableHead } from "../ui/TableHead";
import { searchProfiles, type Profile } from "./api";
import { NoProfileAccess } from "./NoProfileAccess";
import { displayName, emailOf, identifierCount, initials, phoneOf } from "./person";
import { describeSearch, parseSearch } from "./search";

// A trait search reads a bounded slice of the workspace per page: it goes on by itself
// until a screenful is found or this many pages were read, then waits to be asked.
const SCREENFUL = 20;
const PAGES_BY_ITSELF = 10;

function ProfileRow({ profile }: { profile: Profile }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Group gap="sm" wrap="nowrap">
          <Avatar size={32} radius="xl" color="indigo" aria-hidden>
            {initials(profile)}
          </Avatar>
          <div style={{ minWidth: 0 }}>
            <Anchor component={Link} to={`/profiles/${encodeURIComponent(profile.id)}`} fw={550} size="sm">
              {displayName(profile)}
            </Anchor>
            <Text size="xs" c="dimmed" ff="monospace">
              {profile.id}
            </Text>
          </div>
        </Group>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{emailOf(profile) ?? "–"}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{phoneOf(profile) ?? "–"}</Text>
      </Table.Td>
      <Table.Td ta="right">{formatCount(identifierCount(profile))}</Table.Td>
      <Table.Td ta="right">{formatCount(profile.segments.length)}</Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        <Text size="sm" title={formatInstant(profile.last_seen)}>
          {timeAgo(profile.last_seen)}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** Finds people by any identifier, their profile id, or a trait's value (`plan=pro`). */
export default function ProfilesPage() {
  const [params, setParams] = useSearchParams();
  const asked = params.get("q") ?? "";
  const [typed, setTyped] = useState(asked);
  useEffect(() => setTyped(asked), [asked]);
  const search = parseSearch(asked);
  const allowed = useSession().can("read_profiles");
  const results = useCursorPages(["profiles", "search", search], (cursor) => searchProfiles(search, cursor), allowed);
  const pagesRead = results.data?.pages.length ?? 0;
  const searchingOn = results.hasNextPage && results.items.length < SCREENFUL && pagesRead < PAGES_BY_ITSELF;

  const { isFetching, fetchNextPage } = results;
  useEffect(() => {
    if (searchingOn && !isFetching) void fetchNextPage();
  }, [searchingOn, isFetching, fetchNextPage]);

  if (!allowed) return <NoProfileAccess />;
  return (
    <>
      <PageHeader title="Profiles" description="Find a person by e-mail, phone, user ID, anonymous ID or profile ID, or by a trait such as plan=pro." />
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setParams(typed.trim() ? { q: typed.trim() } : {});
        }}
      >
        <Group gap="sm" mb="md" wrap="wrap" align="flex-end">
          <TextInput
            label="Search profiles"
            placeholder="ann@example.com, +44 20 7946 0958, plan=pro, city=Budapest…"
            leftSection={<IconSearch size={16} aria-hidden />}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            style={{ flex: "1 1 320px", maxWidth: 560 }}
          />
          <Button type="submit">Search</Button>
        </Group>
      </form>
      <Text size="sm" c="dimmed" mb="sm" aria-live="polite">
        {describeSearch(search)}
        {results.isSuccess ? `: ${formatCount(results.items.length)}${results.hasNextPage ? "+" : ""} found` : ""}
      </Text>
      <ErrorNotice error={results.error} title="Could not search the profiles" />
      {results.isPending ? (
        <Loading label="Searching profiles" />
      ) : results.isSuccess ? (
        <Stack gap="sm">
          {results.items.length > 0 ? (
            <Paper withBorder>
              <Table.ScrollContainer minWidth={720}>
                <Table>
                  <TableHead columns={["Name", "E-mail", "Phone", { label: "Identifiers", right: true }, { label: "Segments", right: true }, "Last seen"]} />
                  <Table.Tbody>
                    {results.items.map((profile) => (
                      <ProfileRow key={profile.id} profile={profile} />
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          ) : !results.hasNextPage ? (
            <Text py="lg">No profile matches. Try an e-mail, a phone number, a user ID, or a trait such as plan=pro.</Text>
          ) : null}
          {results.hasNextPage ? (
            <Group>
              <Button variant="default" onClick={() => void results.fetchNextPage()} loading={results.isFetchingNextPage}>
                {results.items.length < SCREENFUL ? "Search further" : "Show more"}
              </Button>
            </Group>
          ) : null}
        </Stack>
      ) : null}
    </>
  );
}
