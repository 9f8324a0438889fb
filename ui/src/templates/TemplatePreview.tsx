import { Anchor, Card, Loader, Stack, Text, Title } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import { Link } from "react-router";
import { useSession } from "../auth/session";
import { ProfilePicker } from "../profiles/ProfilePicker";
import { channelNoun } from "../ui/channels";
import { ErrorNotice } from "../ui/ErrorNotice";
import type { DraftPreview } from "./api";
import { ChannelPreview } from "./ChannelPreviews";

type Props = {
  channel: string;
  checked: UseQueryResult<DraftPreview>;
  profileId: string | null;
  onProfile: (profileId: string | null) => void;
};

/** The draft, unsaved, as the chosen person would get it. */
export function TemplatePreview({ channel, checked, profileId, onProfile }: Props) {
  const { can } = useSession();
  const rendered = checked.data?.rendered;
  return (
    <Card>
      <Title order={2} size="h4" mb={4}>
        Preview
      </Title>
      {!can("edit_content") ? (
        <Text size="sm" c="gray.7">
          Previews are for roles that edit content.
        </Text>
      ) : !can("read_profiles") ? (
        <Text size="sm" c="gray.7">
          Previews render for a person: they need a role that reads profiles.
        </Text>
      ) : (
        <Stack gap="md">
          <Text size="sm" c="gray.7">
            The {channelNoun(channel)} as one person would get it, with the changes not saved yet.
          </Text>
          <ProfilePicker value={profileId} onChange={onProfile} />
          {checked.isError ? <ErrorNotice error={checked.error} title="The preview failed" /> : null}
          <Stack gap="sm" aria-live="polite" aria-busy={checked.isFetching}>
            {profileId === null ? (
              <Text size="sm" c="gray.7">
                Choose a customer to see the message with their data.
              </Text>
            ) : checked.data?.problems.length ? (
              <Text size="sm" c="red.8">
                Fix the mistakes in the content to see the preview.
              </Text>
            ) : rendered && checked.data?.profile_id === profileId ? (
              <>
                <Text size="xs" c="gray.7">
                  For{" "}
                  <Anchor component={Link} to={`/profiles/${encodeURIComponent(profileId)}`} size="xs" ff="monospace">
                    {profileId}
                  </Anchor>
                  {rendered.locale ? ` in ${rendered.locale}` : ""}
                </Text>
                <ChannelPreview rendered={rendered} />
              </>
            ) : checked.isFetching ? (
              <Loader size="sm" aria-label="Rendering the preview" />
            ) : null}
          </Stack>
        </Stack>
      )}
    </Card>
  );
}
