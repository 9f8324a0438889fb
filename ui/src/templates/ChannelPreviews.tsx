import { Badge, Box, Code, Group, Paper, SegmentedControl, Stack, Text } from "@mantine/core";
import { useElementSize } from "@mantine/hooks";
import { IconBell } from "@tabler/icons-react";
import { useState } from "react";
import type { DraftPreview } from "./api";
import { smsSize } from "./sms";

type Rendered = NonNullable<DraftPreview["rendered"]>;

/** The rendered message as the person would see it on its channel. */
export function ChannelPreview({ rendered }: { rendered: Rendered }) {
  switch (rendered.channel) {
    case "email":
      return <EmailPreview rendered={rendered} />;
    case "sms":
      return <SmsPreview body={rendered.body ?? ""} />;
    case "push":
      return <PushPreview title={rendered.title} body={rendered.body ?? ""} />;
    case "inbox":
      return <InAppPreview title={rendered.title} body={rendered.body ?? ""} />;
    default:
      return <ChatPreview body={rendered.body ?? rendered.text ?? ""} />;
  }
}

const WIDTHS = { desktop: 600, mobile: 375 } as const;
type Device = keyof typeof WIDTHS;
const FRAME_HEIGHT = 520;

function EmailPreview({ rendered }: { rendered: Rendered }) {
  const [device, setDevice] = useState<Device>("desktop");
  const { ref, width: room } = useElementSize();
  const width = WIDTHS[device];
  // The frame keeps its real width (the e-mail's layout depends on it) and is scaled to the room there is.
  const scale = room > 0 ? Math.min(1, room / width) : 1;
  const snippet = (rendered.text ?? "").replace(/\s+/g, " ").trim().slice(0, 110);
  return (
    <Stack gap="sm">
      <Paper withBorder p="sm" radius="md" data-testid="email-envelope">
        <Text size="xs" fw={700} c="gray.7" tt="uppercase">
          Subject
        </Text>
        <Text fw={600} style={{ overflowWrap: "anywhere" }}>
          {rendered.subject}
        </Text>
        {snippet ? (
          <Text size="sm" c="gray.7" lineClamp={1}>
            {snippet}
          </Text>
        ) : null}
      </Paper>
      <SegmentedControl
        aria-label="Screen"
        value={device}
        onChange={(value) => setDevice(value as Device)}
        data={[
          { value: "desktop", label: `Desktop (${WIDTHS.desktop} px)` },
          { value: "mobile", label: `Mobile (${WIDTHS.mobile} px)` },
        ]}
        style={{ alignSelf: "flex-start" }}
      />
      <Box ref={ref} style={{ height: FRAME_HEIGHT * scale }}>
        <iframe
          title={`The e-mail on a ${device} screen`}
          sandbox=""
          srcDoc={rendered.html ?? `<pre style="white-space: pre-wrap; font-family: sans-serif">${escapeHtml(rendered.text ?? "")}</pre>`}
          width={width}
          height={FRAME_HEIGHT}
          data-testid="email-frame"
          style={{
            display: "block",
            margin: "0 auto",
            border: "1px solid var(--mantine-color-gray-4)",
            borderRadius: 8,
            background: "white",
            transform: `scale(${scale})`,
            transformOrigin: "top center",
          }}
        />
      </Box>
      {rendered.text !== undefined ? (
        <details>
          <summary>
            <Text span size="sm" fw={600}>
              Plain-text part
            </Text>
          </summary>
          <Text size="sm" mt={6} ff="monospace" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }} data-testid="email-text">
            {rendered.text}
          </Text>
        </details>
      ) : null}
    </Stack>
  );
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function SmsPreview({ body }: { body: string }) {
  const size = smsSize(body);
  return (
    <Stack gap="sm">
      <Bubble text={body} color="green.1" testId="sms-bubble" />
      <Group gap="xs" data-testid="sms-size">
        <Badge color="gray" variant="light">
          {size.characters} characters
        </Badge>
        <Badge color={size.encoding === "GSM-7" ? "gray" : "orange"} variant="light">
          {size.encoding}
        </Badge>
        <Badge color={size.segments > 1 ? "orange" : "gray"} variant="light">
          {size.segments} {size.segments === 1 ? "segment" : "segments"}
        </Badge>
      </Group>
      <Text size="sm" c="gray.7">
        {size.units} {size.encoding} units, {size.perSegment} to a segment
        {size.encoding === "GSM-7" ? " (€ [ ] { } ~ ^ | \\ count as two)." : "."}
      </Text>
      {size.unicode.length ? (
        <Text size="sm" c="gray.7" data-testid="sms-unicode">
          Not in GSM-7, so the message is UCS-2: <Code>{size.unicode.join(" ")}</Code>
        </Text>
      ) : null}
    </Stack>
  );
}

function PushPreview({ title, body }: { title: string | undefined; body: string }) {
  return (
    <Box bg="gray.2" p="md" style={{ borderRadius: 24, maxWidth: 380 }} data-testid="push-card">
      <Paper p="sm" radius="lg" shadow="xs">
        <Group gap={6} mb={4}>
          <IconBell size={14} aria-hidden />
          <Text size="xs" c="gray.7" tt="uppercase" fw={600}>
            Your app · now
          </Text>
        </Group>
        {title ? <Text fw={600}>{title}</Text> : null}
        <Text size="sm" lineClamp={4} style={{ overflowWrap: "anywhere" }}>
          {body}
        </Text>
      </Paper>
    </Box>
  );
}

function InAppPreview({ title, body }: { title: string | undefined; body: string }) {
  return (
    <Box bg="gray.7" p="lg" style={{ borderRadius: 16, maxWidth: 420 }} data-testid="in-app-card">
      <Paper p="md" radius="md" shadow="md">
        {title ? (
          <Text fw={700} size="lg" mb={6}>
            {title}
          </Text>
        ) : null}
        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {body}
        </Text>
        <Group justify="flex-end" mt="md">
          <Text size="sm" fw={600} c="blue.8">
            Dismiss
          </Text>
        </Group>
      </Paper>
    </Box>
  );
}

function ChatPreview({ body }: { body: string }) {
  return <Bubble text={body} color="gray.1" testId="chat-bubble" />;
}

function Bubble({ text, color, testId }: { text: string; color: string; testId: string }) {
  return (
    <Box bg={color} px="md" py="sm" maw={360} style={{ borderRadius: "16px 16px 16px 4px" }} data-testid={testId}>
      <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
        {text}
      </Text>
    </Box>
  );
}
