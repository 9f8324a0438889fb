import { Avatar, Group, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { formatCount, formatInstant, timeAgo } from "../ui/format";
import type { ProfileDetail } from "./api";
import { displayName, emailOf, identifierCount, initials, personName, phoneOf } from "./person";

function Fact({ label, value, hint }: { label: string; value: ReactNode; hint?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      <Text size="sm" fw={550} title={hint}>
        {value}
      </Text>
    </div>
  );
}

/** Who the person is, at a glance: name, contact points and key facts. */
export function ProfileHeader({ profile, actions }: { profile: ProfileDetail; actions: ReactNode }) {
  const email = emailOf(profile);
  const phone = phoneOf(profile);
  const contact = [personName(profile) ? email : null, phone].filter(Boolean).join(" · ");
  return (
    <Paper withBorder p="lg" mb="lg">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md">
        <Group gap="md" wrap="nowrap" style={{ minWidth: 0 }}>
          <Avatar size={56} radius="xl" color="indigo" variant="filled" aria-hidden>
            {initials(profile)}
          </Avatar>
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Title order={1} style={{ overflowWrap: "anywhere" }}>
              {displayName(profile)}
            </Title>
            {contact ? <Text size="sm">{contact}</Text> : null}
            <Text size="xs" c="dimmed" ff="monospace">
              {profile.id}
            </Text>
          </Stack>
        </Group>
        {actions ? <Group gap="xs">{actions}</Group> : null}
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 5 }} mt="lg" spacing="md">
        <Fact label="Last seen" value={timeAgo(profile.last_seen)} hint={formatInstant(profile.last_seen)} />
        <Fact label="First seen" value={formatInstant(profile.first_seen)} />
        <Fact label="Events" value={formatCount(profile.event_count)} />
        <Fact label="Identifiers" value={formatCount(identifierCount(profile))} />
        <Fact label="Segments" value={formatCount(profile.segments.length)} />
      </SimpleGrid>
    </Paper>
  );
}
