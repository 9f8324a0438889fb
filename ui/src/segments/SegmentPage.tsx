import { Anchor, Card, Grid, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { isNotFound } from "../api/errors";
import { useSession } from "../auth/session";
import NotFoundPage from "../shell/NotFoundPage";
import { BackLink } from "../ui/BackLink";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatInstant, timeAgo } from "../ui/format";
import { LoadMore } from "../ui/LoadMore";
import { PageHeader } from "../ui/PageHeader";
import { useCursorPages } from "../ui/pages";
import { TableHead } from "../ui/TableHead";
import { fetchMembers, useSegment, useSegmentCount } from "./api";
import { SegmentStatus } from "./SegmentStatus";
import { YamlView } from "./YamlView";

const SAMPLE = 10;

export default function SegmentPage() {
  const key = useParams().key ?? "";
  const segment = useSegment(key);
  if (isNotFound(segment.error)) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/segments">Segments</BackLink>
      {segment.isError ? (
        <ErrorNotice error={segment.error} title="Could not load the segment" />
      ) : segment.isPending ? (
        <Loader aria-label="Loading the segment" />
      ) : (
        <>
          <PageHeader
            title={segment.data.name || segment.data.key}
            description={
              <>
                <Text span ff="monospace" size="sm">
                  {segment.data.key}
                </Text>{" "}
                · version {segment.data.version} · changed {timeAgo(segment.data.updated_at)}
              </>
            }
            actions={<SegmentStatus status={segment.data.status} progress={segment.data.progress} />}
          />
          <Grid gap="lg">
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Card>
                <Title order={2} size="h4" mb={4}>
                  Definition
                </Title>
                <Text size="sm" c="dimmed" mb="md">
                  Who is in the segment: its conditions, as YAML.
                </Text>
                <YamlView value={segment.data.definition} label={`Definition of the segment ${segment.data.name}`} />
                <Text size="xs" c="dimmed" mt="sm">
                  Created {formatInstant(segment.data.created_at)}
                </Text>
              </Card>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Stack gap="lg">
                <MemberCount segmentKey={key} />
                <SampleMembers segmentKey={key} />
              </Stack>
            </Grid.Col>
          </Grid>
        </>
      )}
    </>
  );
}

function MemberCount({ segmentKey }: { segmentKey: string }) {
  const count = useSegmentCount(segmentKey);
  return (
    <Card>
      <Text size="sm" c="dimmed" fw={500}>
        Members now
      </Text>
      {count.isError ? (
        <ErrorNotice error={count.error} title="Could not count the members" />
      ) : (
        <Text fz={32} fw={650} lh={1.2}>
          {count.isPending ? "…" : formatCount(count.data.count)}
        </Text>
      )}
    </Card>
  );
}

function SampleMembers({ segmentKey }: { segmentKey: string }) {
  const { can } = useSession();
  const allowed = can("read_profiles");
  const members = useCursorPages(["segments", segmentKey, "members"], (cursor) => fetchMembers(segmentKey, cursor, SAMPLE), allowed);
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">
        Members
      </Title>
      {!allowed ? (
        <Text size="sm" c="dimmed">
          Your role does not include reading profiles, so the members are not listed.
        </Text>
      ) : members.isError ? (
        <ErrorNotice error={members.error} title="Could not list the members" />
      ) : members.isPending ? (
        <Loader size="sm" aria-label="Loading the members" />
      ) : !members.items.length ? (
        <Text size="sm" c="dimmed">
          Nobody is in this segment right now.
        </Text>
      ) : (
        <>
          <Table>
            <TableHead columns={["Profile", "Joined"]} />
            <Table.Tbody>
              {members.items.map((member) => (
                <Table.Tr key={member.profile_id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/profiles/${encodeURIComponent(member.profile_id)}`} size="sm" ff="monospace">
                      {member.profile_id}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {timeAgo(member.entered_at)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <LoadMore list={members} />
        </>
      )}
    </Card>
  );
}
