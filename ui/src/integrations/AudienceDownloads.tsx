import { Button, Card, Group, Text, Title } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";

const FORMATS = [
  { format: "meta", label: "Meta Custom Audience" },
  { format: "google", label: "Google Customer Match" },
] as const;

/** The segment's members as an ad platform's audience file: normalized e-mails and phones,
 * SHA-256-hashed (GET /api/v1/segments/{key}/audience; each download is audited). */
export function AudienceDownloads({ segmentKey }: { segmentKey: string }) {
  return (
    <Card>
      <Title order={2} size="h4" mb={4}>
        Audience files
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Its members' e-mails and phones, normalized and hashed as each platform asks, to upload as a matched audience. A destination can send them on a schedule.
      </Text>
      <Group gap="xs">
        {FORMATS.map(({ format, label }) => (
          <Button
            key={format}
            component="a"
            href={`/api/v1/segments/${encodeURIComponent(segmentKey)}/audience?format=${format}`}
            download
            variant="default"
            leftSection={<IconDownload size={16} aria-hidden />}
            data-testid={`audience-${format}`}
          >
            {label}
          </Button>
        ))}
      </Group>
    </Card>
  );
}
