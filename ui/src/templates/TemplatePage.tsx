import { Badge, Box, Card, Code, Grid, Loader, Stack, Text, Title } from "@mantine/core";
import { useParams } from "react-router";
import { isNotFound } from "../api/errors";
import NotFoundPage from "../shell/NotFoundPage";
import { BackLink } from "../ui/BackLink";
import { channelLabel } from "../ui/channels";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant, timeAgo } from "../ui/format";
import { PageHeader } from "../ui/PageHeader";
import { PART_LABELS, PARTS, useTemplate } from "./api";
import { TemplatePreview } from "./TemplatePreview";

export default function TemplatePage() {
  const key = useParams().key ?? "";
  const template = useTemplate(key);
  if (isNotFound(template.error)) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/templates">Templates</BackLink>
      {template.isError ? (
        <ErrorNotice error={template.error} title="Could not load the template" />
      ) : template.isPending ? (
        <Loader aria-label="Loading the template" />
      ) : (
        <>
          <PageHeader
            title={template.data.name || template.data.key}
            description={
              <>
                <Text span ff="monospace" size="sm">
                  {template.data.key}
                </Text>{" "}
                · changed {timeAgo(template.data.updated_at)}
              </>
            }
            actions={<Badge size="lg" color="gray">{channelLabel(template.data.channel)}</Badge>}
          />
          <Grid gap="lg">
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Card>
                <Title order={2} size="h4" mb={4}>
                  Content
                </Title>
                <Text size="sm" c="dimmed" mb="md">
                  Each part as written, with its Liquid tags.
                </Text>
                <Stack gap="md">
                  {PARTS.map((part) => {
                    const source = template.data[part];
                    if (source == null) return null;
                    return (
                      <Box key={part}>
                        <Text size="sm" fw={600} mb={4}>
                          {PART_LABELS[part]}
                        </Text>
                        <Code
                          block
                          tabIndex={part === "html" ? 0 : undefined}
                          aria-label={part === "html" ? "HTML of the template" : undefined}
                          style={{ whiteSpace: "pre-wrap", maxHeight: part === "html" ? 320 : undefined, overflow: "auto" }}
                        >
                          {source}
                        </Code>
                      </Box>
                    );
                  })}
                  <Text size="xs" c="dimmed">
                    Created {formatInstant(template.data.created_at)}
                  </Text>
                </Stack>
              </Card>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <TemplatePreview templateKey={key} />
            </Grid.Col>
          </Grid>
        </>
      )}
    </>
  );
}
