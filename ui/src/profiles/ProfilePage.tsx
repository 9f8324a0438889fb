import { Alert, Anchor, Grid, Stack, Tabs, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type CSSProperties } from "react";
import { Link, useParams } from "react-router";
import { isNotFound } from "../api/errors";
import { useSession } from "../auth/session";
import { oneOf, useAddress } from "../ui/address";
import { BackLink } from "../ui/BackLink";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Loading } from "../ui/Loading";
import { getProfile, type ErasureReceipt as Receipt } from "./api";
import { ConsentSection } from "./ConsentSection";
import { ErasureReceipt } from "./ErasureReceipt";
import { IdentitySection } from "./IdentitySection";
import { JourneysSection } from "./JourneysSection";
import { NoProfileAccess } from "./NoProfileAccess";
import { PredictionsSection } from "./PredictionsSection";
import { PrivacyActions } from "./PrivacyActions";
import { ProfileHeader } from "./ProfileHeader";
import { Timeline } from "./Timeline";
import { TraitsSection } from "./TraitsSection";

const TABS = ["timeline", "journeys", "consent"] as const;

// The tab names the panel for sighted people; the heading keeps the outline for the rest.
const HIDDEN: CSSProperties = { position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)", whiteSpace: "nowrap" };

function PanelHeading({ children }: { children: string }) {
  return (
    <Title order={2} style={HIDDEN}>
      {children}
    </Title>
  );
}

function BackToProfiles() {
  return <BackLink to="/profiles">All profiles</BackLink>;
}

function NotFound({ id }: { id: string }) {
  return (
    <Stack gap="sm" maw={560}>
      <BackToProfiles />
      <Title order={1}>Profile not found</Title>
      <Text>
        No profile with the id <Text span ff="monospace">{id}</Text> exists in this workspace. The person may have been erased, or the
        link may be wrong.
      </Text>
      <Anchor component={Link} to="/profiles">
        Search profiles
      </Anchor>
    </Stack>
  );
}

/** Profile 360: who the person is, everything that happened to them, their journeys with
 * the reasons, and their consent. */
export default function ProfilePage() {
  const { id = "" } = useParams();
  const { can } = useSession();
  const [search, change] = useAddress();
  const [erased, setErased] = useState<Receipt | null>(null);
  const allowed = can("read_profiles");
  const profile = useQuery({ queryKey: ["profiles", id], queryFn: () => getProfile(id), enabled: allowed && erased === null });
  const tab = oneOf(search.get("tab"), TABS, "timeline");

  if (!allowed) return <NoProfileAccess />;
  if (erased) {
    return (
      <>
        <Title order={1} mb="lg">
          Profile erased
        </Title>
        <ErasureReceipt receipt={erased} />
      </>
    );
  }
  if (profile.isPending) {
    return (
      <Loading label="Loading the profile" h="50vh" />
    );
  }
  if (profile.isError) {
    if (isNotFound(profile.error)) return <NotFound id={id} />;
    return (
      <>
        <BackToProfiles />
        <Title order={1} mb="md">
          Profile
        </Title>
        <ErrorNotice error={profile.error} title="Could not load the profile" />
      </>
    );
  }
  const person = profile.data;
  return (
    <>
      <BackToProfiles />
      <ProfileHeader profile={person} actions={can("manage_privacy") ? <PrivacyActions profile={person} onErased={setErased} /> : null} />
      {person.id !== id ? (
        <Alert color="blue" mb="lg" title="This profile was merged">
          The link names {id}, which was merged into this profile. Everything it held is here now.
        </Alert>
      ) : null}
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Tabs
            value={tab}
            onChange={(value) => change({ tab: value === "timeline" ? null : value })}
            keepMounted={false}
          >
            <Tabs.List mb="md">
              <Tabs.Tab value="timeline">Timeline</Tabs.Tab>
              <Tabs.Tab value="journeys">Journeys</Tabs.Tab>
              <Tabs.Tab value="consent">Consent</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="timeline">
              <PanelHeading>Timeline</PanelHeading>
              <Timeline profileId={person.id} />
            </Tabs.Panel>
            <Tabs.Panel value="journeys">
              <PanelHeading>Journeys</PanelHeading>
              <JourneysSection profileId={person.id} />
            </Tabs.Panel>
            <Tabs.Panel value="consent">
              <PanelHeading>Consent</PanelHeading>
              <ConsentSection profileId={person.id} traits={person.traits} />
            </Tabs.Panel>
          </Tabs>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="lg">
            <IdentitySection profile={person} />
            <TraitsSection profile={person} />
            <PredictionsSection profileId={person.id} />
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}
