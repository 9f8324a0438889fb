import { Badge, Group, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Loading } from "../ui/Loading";
import { getVersion } from "./api";
import JourneyEditor from "./builder/JourneyEditor";
import { journeyToYaml } from "./definition";
import { journeyKeys } from "./queries";
import { nodeHighlights, settingsChanged } from "./versionDiff";
import { YamlDiff } from "./YamlDiff";

/** What changed from one version to a later one: on the canvas, then line by line. */
export function VersionCompare({ journeyKey, older, newer }: { journeyKey: string; older: number; newer: number }) {
  const before = useQuery({ queryKey: journeyKeys.version(journeyKey, older), queryFn: () => getVersion(journeyKey, older), staleTime: Infinity });
  const after = useQuery({ queryKey: journeyKeys.version(journeyKey, newer), queryFn: () => getVersion(journeyKey, newer), staleTime: Infinity });
  const compared = useMemo(() => {
    if (!before.data || !after.data) return null;
    const a = before.data.definition;
    const b = after.data.definition;
    const highlight = nodeHighlights(a, b);
    return {
      highlight,
      settings: settingsChanged(a, b),
      removed: Object.keys(highlight).filter((id) => highlight[id] === "removed"),
      count: (kind: string) => Object.values(highlight).filter((found) => found === kind).length,
      yaml: { older: journeyToYaml(a), newer: journeyToYaml(b) },
      definition: b,
    };
  }, [before.data, after.data]);

  if (before.error || after.error) return <ErrorNotice error={before.error ?? after.error} title="Could not load a version" />;
  if (compared === null) {
    return (
      <Loading />
    );
  }
  const nothing = Object.keys(compared.highlight).length === 0 && compared.settings.length === 0;
  return (
    <Stack>
      <Title order={2} size="h4">
        From version {older} to version {newer}
      </Title>
      {nothing ? (
        <Text size="sm">These two versions are the same.</Text>
      ) : (
        <Group gap="xs" wrap="wrap">
          <Badge color="green" variant="dot">
            {compared.count("added")} {compared.count("added") === 1 ? "step" : "steps"} added
          </Badge>
          <Badge color="yellow" variant="dot">
            {compared.count("changed")} changed
          </Badge>
          <Badge color="red" variant="dot">
            {compared.count("removed")} removed
          </Badge>
          {compared.settings.length > 0 ? <Text size="sm">Journey settings changed: {compared.settings.join(", ")}.</Text> : null}
        </Group>
      )}
      {compared.removed.length > 0 ? (
        <Text size="sm" c="dimmed">
          Removed in version {newer}: {compared.removed.join(", ")}.
        </Text>
      ) : null}
      <JourneyEditor value={compared.definition} highlight={compared.highlight} height={480} />
      <Title order={3} size="h5">
        YAML
      </Title>
      <YamlDiff older={compared.yaml.older} newer={compared.yaml.newer} olderLabel={`Version ${older}`} newerLabel={`Version ${newer}`} />
    </Stack>
  );
}
