import { Anchor, Box, Button, Card, Code, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconEye } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { PART_LABELS, PARTS, previewTemplate, type ProfileIdentifier } from "./api";

const IDENTIFIERS: { value: ProfileIdentifier; label: string }[] = [
  { value: "profile_id", label: "Profile id" },
  { value: "user_id", label: "User id" },
  { value: "email", label: "E-mail" },
  { value: "phone", label: "Phone" },
];

/** The template rendered for a real profile, as it would be sent. */
export function TemplatePreview({ templateKey }: { templateKey: string }) {
  const { can } = useSession();
  const [by, setBy] = useState<ProfileIdentifier>("profile_id");
  const [value, setValue] = useState("");
  const preview = useMutation({ mutationFn: () => previewTemplate(templateKey, by, value.trim()) });

  function submit(event: FormEvent) {
    event.preventDefault();
    preview.mutate();
  }

  return (
    <Card>
      <Title order={2} size="h4" mb={4}>
        Preview
      </Title>
      {!can("edit_content") ? (
        <Text size="sm" c="dimmed">
          Previews are for roles that edit content.
        </Text>
      ) : (
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            See the message as one person would get it. Find someone in{" "}
            <Anchor component={Link} to="/profiles" size="sm" underline="always">
              Profiles
            </Anchor>
            .
          </Text>
          <form onSubmit={submit}>
            <Group align="flex-end" gap="sm" wrap="wrap">
              <Select
                label="Find the profile by"
                w={150}
                allowDeselect={false}
                value={by}
                onChange={(chosen) => chosen && setBy(chosen as ProfileIdentifier)}
                data={IDENTIFIERS}
              />
              <TextInput
                label={IDENTIFIERS.find((identifier) => identifier.value === by)?.label}
                style={{ flex: 1, minWidth: 180 }}
                value={value}
                onChange={(event) => setValue(event.currentTarget.value)}
              />
              <Button type="submit" leftSection={<IconEye size={16} aria-hidden />} loading={preview.isPending} disabled={!value.trim()}>
                Preview
              </Button>
            </Group>
          </form>
          <ErrorNotice error={preview.error} title="Could not preview" />
          {preview.data ? (
            <Stack gap="sm" aria-live="polite">
              <Text size="xs" c="dimmed">
                For profile{" "}
                <Anchor component={Link} to={`/profiles/${encodeURIComponent(preview.data.profile_id)}`} size="xs" ff="monospace">
                  {preview.data.profile_id}
                </Anchor>
              </Text>
              {PARTS.map((part) => {
                const rendered = preview.data[part];
                if (rendered == null) return null;
                return (
                  <Box key={part}>
                    <Text size="sm" fw={600} mb={4}>
                      {PART_LABELS[part]}
                    </Text>
                    {part === "html" ? (
                      <iframe
                        title="The e-mail as it would be sent"
                        sandbox=""
                        srcDoc={rendered}
                        style={{ width: "100%", height: 360, border: "1px solid var(--mantine-color-gray-3)", borderRadius: 8, background: "white" }}
                      />
                    ) : (
                      <Code block style={{ whiteSpace: "pre-wrap" }}>
                        {rendered}
                      </Code>
                    )}
                  </Box>
                );
              })}
            </Stack>
          ) : null}
        </Stack>
      )}
    </Card>
  );
}
