import { Badge, Box, Button, Card, Group, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { STAGES, stageLabel } from "../ui/lifecycle";
import { Loading } from "../ui/Loading";
import { PageHeader } from "../ui/PageHeader";
import { capitalised } from "../ui/text";
import { listTemplates, type TemplateSummary } from "./api";
import { InstallTemplateModal } from "./InstallTemplateModal";
import { TemplateText } from "./TemplateText";

const STAGE_COLORS: Record<string, string> = {
  awareness: "cyan",
  consideration: "blue",
  conversion: "indigo",
  retention: "teal",
  advocacy: "grape",
};

/** A template marked for `any` industry serves every one. */
function serves(template: TemplateSummary, industry: string | null): boolean {
  return industry === null || template.industries.includes(industry) || template.industries.includes("any");
}

function TemplateCard({ template, onInstall }: { template: TemplateSummary; onInstall?: () => void }) {
  return (
    <Card>
      <Stack gap="sm" h="100%">
        <Group gap={6}>
          <Badge color={STAGE_COLORS[template.stage] ?? "gray"} variant="dot">
            {stageLabel(template.stage)}
          </Badge>
          {template.industries.map((industry) => (
            <Badge key={industry} variant="default">
              {industry === "any" ? "Any industry" : capitalised(industry)}
            </Badge>
          ))}
        </Group>
        <Title order={2} size="h4">
          {template.title}
        </Title>
        <Box style={{ flexGrow: 1 }}>
          <Text size="sm" c="dimmed" lineClamp={4}>
            <TemplateText text={template.description} />
          </Text>
        </Box>
        <Text size="xs" c="dimmed">
          {template.journeys.length === 1 ? "1 journey" : `${template.journeys.length} journeys`}: {template.journeys.join(", ")}
        </Text>
        {onInstall ? (
          <Button variant="light" onClick={onInstall} aria-label={`Install ${template.title}`}>
            Install
          </Button>
        ) : null}
      </Stack>
    </Card>
  );
}

export default function ReadyJourneysPage() {
  const { can } = useSession();
  const library = useQuery({ queryKey: ["journey-templates"], queryFn: listTemplates, staleTime: 5 * 60_000 });
  const [industry, setIndustry] = useState<string | null>(null);
  const [stage, setStage] = useState<string | null>(null);
  const [installing, setInstalling] = useState<TemplateSummary | null>(null);
  const templates = library.data?.items ?? [];
  const industries = [...new Set(templates.flatMap((t) => t.industries))].filter((i) => i !== "any").sort();
  const stages = STAGES.filter((s) => templates.some((t) => t.stage === s));
  const shown = templates.filter((t) => serves(t, industry) && (stage === null || t.stage === stage));

  return (
    <>
      <PageHeader title="Ready journeys" description="Proven journeys to start from: pick one, adjust its settings, and install it." />
      <Group mb="md" gap="sm" wrap="wrap">
        <Select
          aria-label="Filter by industry"
          placeholder="Any industry"
          data={industries.map((value) => ({ value, label: capitalised(value) }))}
          value={industry}
          onChange={setIndustry}
          clearable
          w={200}
        />
        <Select
          aria-label="Filter by stage"
          placeholder="Any stage"
          data={stages.map((value) => ({ value, label: stageLabel(value) }))}
          value={stage}
          onChange={setStage}
          clearable
          w={200}
        />
      </Group>
      <ErrorNotice error={library.error} title="Could not load the ready journeys" />
      {library.isPending ? (
        <Loading />
      ) : null}
      {library.isSuccess && shown.length === 0 ? (
        <Text c="dimmed" ta="center" py="xl">
          No ready journey matches these filters.
        </Text>
      ) : null}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
        {shown.map((template) => (
          <TemplateCard key={template.name} template={template} onInstall={can("edit_content") ? () => setInstalling(template) : undefined} />
        ))}
      </SimpleGrid>
      <InstallTemplateModal template={installing} onClose={() => setInstalling(null)} />
    </>
  );
}
