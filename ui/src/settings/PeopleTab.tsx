import { Alert, Button, Card, Group, Loader, Menu, ActionIcon, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDots } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fieldError, readable } from "../api/errors";
import { useSession } from "../auth/session";
import { ConfirmAction } from "../ui/ConfirmAction";
import { roleLabel } from "../shell/roles";
import { ErrorNotice } from "../ui/ErrorNotice";
import { FormError } from "../ui/FormError";
import { formatInstant, timeAgo } from "../ui/format";
import { useCursorPages } from "../ui/pages";
import { ShownOnce } from "../ui/ShownOnce";
import { changeRole, fetchInvitations, fetchMembers, invite, removeMember, signOutEverywhere, withdrawInvitation, type Invited, type Member } from "./api";
import { isRole, ROLES, type Role } from "./roles";
import { SimpleTable } from "./SimpleTable";

export function PeopleTab() {
  const members = useCursorPages(["users"], fetchMembers);
  const invitations = useCursorPages(["invitations"], fetchInvitations);
  const client = useQueryClient();
  const [withdrawing, setWithdrawing] = useState<string | null>(null);
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
          columns={["Name", "E-mail", "Role", "Member since", "Actions"]}
          rows={members.items.map((member) => ({
            key: member.id,
            cells: [member.name || "–", member.email, <RoleSelect key="role" member={member} />, formatInstant(member.since), <MemberActions key="actions" member={member} />],
          }))}
          empty="Nobody yet."
          more={members}
        />
      )}
      <InviteForm />
      {invitations.isError ? (
        <ErrorNotice error={invitations.error} title="Could not load the invitations" />
      ) : invitations.isPending ? (
        <Loader aria-label="Loading the invitations" />
      ) : (
        <SimpleTable
          title="Invitations waiting"
          columns={["E-mail", "Role", "Invited", "Expires", "Actions"]}
          rows={invitations.items.map((invitation) => ({
            key: invitation.id,
            cells: [
              invitation.email,
              roleLabel(invitation.role),
              timeAgo(invitation.created_at),
              formatInstant(invitation.expires_at),
              <Button key="withdraw" size="xs" variant="default" color="red" onClick={() => setWithdrawing(invitation.id)} aria-label={`Withdraw the invitation of ${invitation.email}`}>
                Withdraw
              </Button>,
            ],
          }))}
          empty="No invitation is waiting to be accepted."
          more={invitations}
        />
      )}
      <ConfirmAction
        opened={withdrawing !== null}
        title="Withdraw the invitation?"
        confirmLabel="Withdraw"
        color="red"
        onClose={() => setWithdrawing(null)}
        onConfirm={async () => {
          if (withdrawing) await withdrawInvitation(withdrawing);
          await client.invalidateQueries({ queryKey: ["invitations"] });
        }}
      >
        <Text size="sm">Its link stops working at once.</Text>
      </ConfirmAction>
    </Stack>
  );
}

function RoleSelect({ member }: { member: Member }) {
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: (role: Role) => changeRole(member.id, role),
    onSuccess: (changed) => {
      void client.invalidateQueries({ queryKey: ["users"] });
      notifications.show({ color: "green", title: "Role changed", message: `${changed.email} is now ${roleLabel(changed.role).toLowerCase()}.` });
    },
  });
  return (
    <Select
      aria-label={`Role of ${member.email}`}
      data={ROLES}
      value={member.role}
      allowDeselect={false}
      size="xs"
      w={140}
      disabled={change.isPending}
      error={change.isError ? readable(change.error) : undefined}
      onChange={(role) => role && isRole(role) && role !== member.role && change.mutate(role)}
    />
  );
}

function MemberActions({ member }: { member: Member }) {
  const client = useQueryClient();
  const [asked, setAsked] = useState<"remove" | "sign-out" | null>(null);
  return (
    <>
      <Menu position="bottom-end">
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${member.email}`}>
            <IconDots size={16} aria-hidden />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => setAsked("sign-out")}>Sign out everywhere</Menu.Item>
          <Menu.Item color="red" onClick={() => setAsked("remove")}>
            Remove from the workspace
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <ConfirmAction
        opened={asked === "sign-out"}
        title={`Sign ${member.email} out everywhere?`}
        confirmLabel="Sign out"
        onClose={() => setAsked(null)}
        onConfirm={async () => {
          const { ended } = await signOutEverywhere(member.id);
          notifications.show({ title: "Signed out", message: `${ended} session${ended === 1 ? "" : "s"} ended.` });
        }}
      >
        <Text size="sm">Every browser they are signed in with has to sign in again.</Text>
      </ConfirmAction>
      <ConfirmAction
        opened={asked === "remove"}
        title={`Remove ${member.email}?`}
        confirmLabel="Remove"
        color="red"
        onClose={() => setAsked(null)}
        onConfirm={async () => {
          await removeMember(member.id);
          await client.invalidateQueries({ queryKey: ["users"] });
        }}
      >
        <Text size="sm">They lose access to this workspace at once; the admin keys they made are revoked.</Text>
      </ConfirmAction>
    </>
  );
}

function InviteForm() {
  const client = useQueryClient();
  const { account } = useSession();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [sent, setSent] = useState<Invited | null>(null);
  const send = useMutation({
    mutationFn: () => invite(email.trim(), role),
    onSuccess: (made) => {
      setSent(made);
      setEmail("");
      void client.invalidateQueries({ queryKey: ["invitations"] });
    },
  });
  const mayGive = account.workspace?.role === "owner" ? ROLES : ROLES.filter((option) => option.value !== "owner");
  return (
    <Card>
      <Title order={2} size="h4">
        Invite someone
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        They get an e-mail with a link to join this workspace with the role you choose. The link works once, for a week.
      </Text>
      <form
        noValidate
        aria-label="Invite someone"
        onSubmit={(event) => {
          event.preventDefault();
          setSent(null);
          send.mutate();
        }}
      >
        <Group align="flex-end" wrap="wrap">
          <TextInput label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError(send.error, "email")} w={320} maw="100%" />
          <Select label="Role" data={mayGive} value={role} allowDeselect={false} onChange={(value) => value && isRole(value) && setRole(value)} error={fieldError(send.error, "role")} w={180} />
          <Button type="submit" loading={send.isPending} disabled={!email.trim()}>
            Send the invitation
          </Button>
        </Group>
        <FormError error={send.error} shownAt={["email", "role"]} />
      </form>
      {sent ? (
        <Alert mt="md" color={sent.mail.sent ? "green" : "yellow"} title={sent.mail.sent ? `Invitation sent to ${sent.email}` : "The e-mail could not be sent"} role="status">
          {sent.mail.sent ? (
            <Text size="sm">They join as {roleLabel(sent.role).toLowerCase()} once they open the link in the e-mail.</Text>
          ) : (
            <Stack gap="xs">
              <Text size="sm">{sent.mail.reason ? readable(sent.mail.reason) : null}</Text>
              {sent.link ? (
                <>
                  <Text size="sm">Give {sent.email} this link yourself; it is shown only now:</Text>
                  <ShownOnce label="The invitation's link" value={sent.link} testId="invitation-link" />
                </>
              ) : null}
            </Stack>
          )}
        </Alert>
      ) : null}
    </Card>
  );
}
