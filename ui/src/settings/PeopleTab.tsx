import { Badge, Loader, Stack, Text } from "@mantine/core";
import { roleLabel } from "../shell/roles";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant, timeAgo } from "../ui/format";
import { useCursorPages } from "../ui/pages";
import { fetchInvitations, fetchMembers } from "./api";
import { SimpleTable } from "./SimpleTable";

export function PeopleTab() {
  const members = useCursorPages(["users"], fetchMembers);
  const invitations = useCursorPages(["invitations"], fetchInvitations);
  return (
    <Stack gap="lg">
      {members.isError ? (
        <ErrorNotice error={members.error} title="Could not load the people" />
      ) : members.isPending ? (
        <Loader aria-label="Loading the people" />
      ) : (
        <SimpleTable
          title="People"
          description="Everyone who works in this workspace, and their role."
          columns={["Name", "E-mail", "Role", "Member since"]}
          rows={members.items.map((member) => ({
            key: member.id,
            cells: [
              member.name || "–",
              member.email,
              <Badge key="role" color="indigo">
                {roleLabel(member.role)}
              </Badge>,
              formatInstant(member.since),
            ],
          }))}
          empty="Nobody yet."
          more={members}
        />
      )}
      {invitations.isError ? (
        <ErrorNotice error={invitations.error} title="Could not load the invitations" />
      ) : invitations.isPending ? null : (
        <SimpleTable
          title="Invitations waiting"
          columns={["E-mail", "Role", "Invited", "Expires"]}
          rows={invitations.items.map((invitation) => ({
            key: invitation.id,
            cells: [invitation.email, roleLabel(invitation.role), timeAgo(invitation.created_at), formatInstant(invitation.expires_at)],
          }))}
          empty="No invitation is waiting to be accepted."
          more={invitations}
        />
      )}
      <Text size="sm" c="dimmed">
        Inviting people and changing roles here is coming; until then, use the command line (baton users).
      </Text>
    </Stack>
  );
}
