import { Paper, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import type { Rendered } from "../../templates/api";
import { ErrorNotice } from "../../ui/ErrorNotice";
import { ProfilePicker } from "../../profiles/ProfilePicker";

function renderPreview(template: string, profileId: string, node: string): Promise<Rendered> {
  return unwrap<Rendered>(
    api.POST("/api/v1/templates/{key}/preview", {
      params: { path: { key: template } },
      body: { profile_id: profileId, journey: { node } },
    }),
  );
}

/** The node's message as the chosen person would get it. */
export function MessagePreview({ nodeId, template }: { nodeId: string; template: string }) {
  const { can } = useSession();
  const [profileId, setProfileId] = useState<string | null>(null);
  const preview = useQuery({
    queryKey: ["journey-builder", "preview", template, profileId, nodeId],
    queryFn: () => renderPreview(template, profileId ?? "", nodeId),
    enabled: template !== "" && profileId !== null,
    retry: false,
  });
  if (!can("edit_content") || !can("read_profiles")) return null;
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        Preview
      </Title>
      {template === "" ? (
        <Text size="sm" c="gray.7">
          Choose a template to preview the message.
        </Text>
      ) : (
        <>
          <ProfilePicker value={profileId} onChange={setProfileId} />
          {preview.isError ? <ErrorNotice error={preview.error} title="The preview failed" /> : null}
          {preview.isFetching && !preview.data ? (
            <Text size="sm" c="gray.7">
              Rendering…
            </Text>
          ) : null}
          {preview.data && profileId !== null ? <RenderedMessage rendered={preview.data} /> : null}
        </>
      )}
    </Stack>
  );
}

function RenderedMessage({ rendered }: { rendered: Rendered }) {
  return (
    <Paper withBorder p="sm" radius="md" data-testid="message-preview">
      <Stack gap={6}>
        {rendered.subject !== undefined ? <Part label="Subject" text={rendered.subject} strong /> : null}
        {rendered.title !== undefined ? <Part label="Title" text={rendered.title} strong /> : null}
        {rendered.html !== undefined ? (
          <iframe className="jb-preview-frame" title="E-mail preview" sandbox="" srcDoc={rendered.html} />
        ) : null}
        {rendered.html === undefined && rendered.text !== undefined ? <Part label="Text" text={rendered.text} /> : null}
        {rendered.body !== undefined ? <Part label="Message" text={rendered.body} /> : null}
      </Stack>
    </Paper>
  );
}

function Part({ label, text, strong = false }: { label: string; text: string; strong?: boolean }) {
  return (
    <div>
      <Text size="xs" fw={700} c="gray.7" tt="uppercase">
        {label}
      </Text>
      <Text size="sm" fw={strong ? 600 : 400} style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
        {text}
      </Text>
    </div>
  );
}
