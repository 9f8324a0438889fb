import { Alert, Anchor, Card, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { yaml } from "@codemirror/lang-yaml";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useMemo } from "react";
import { Link } from "react-router";
import { ApiError, readable } from "../api/errors";
import { fieldLines, type YamlError } from "../journeys/definition";
import { CodeBox } from "../ui/CodeBox";
import { formatCount } from "../ui/format";
import { TableHead } from "../ui/TableHead";
import type { Preview } from "./api";

const YAML = [yaml()];

/** The definition as YAML, beside the builder and in step with it. */
export function YamlPane({
  text,
  onText,
  error,
  problem,
  editable,
  label,
}: {
  text: string;
  onText: (text: string) => void;
  error: YamlError | null;
  problem: unknown;
  editable: boolean;
  label: string;
}) {
  const field = problem instanceof ApiError ? problem.field : null;
  const line = useMemo(() => (field ? fieldLines(text, [field])[0] : null), [field, text]);
  return (
    <Card>
      <Title order={2} size="h4" mb={4}>
        YAML
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {editable ? "The same definition as text: edit either side." : "The definition as text."}
      </Text>
      {error ? (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} aria-hidden />} mb="sm" title={error.line ? `Line ${error.line}` : "The YAML does not read"} role="alert">
          {error.message}. The builder keeps the last version that read well.
        </Alert>
      ) : problem && field && line ? (
        <Text size="sm" c="red.8" mb="sm">
          Line {line}: {readable(problem)}
        </Text>
      ) : null}
      <CodeBox value={text} onChange={onText} editable={editable} label={label} extensions={YAML} testId="yaml-editor" />
    </Card>
  );
}

/** The draft's count and a sample of its profiles, as the API answers for it now. */
export function LivePreview({
  preview,
  title,
  noun,
  showValues,
  canReadProfiles,
}: {
  preview: { data?: Preview; isFetching: boolean; error: unknown };
  title: string;
  noun: string;
  showValues: boolean;
  canReadProfiles: boolean;
}) {
  const { data, isFetching, error } = preview;
  return (
    <Card data-testid="live-preview">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2} size="h4">
            {title}
          </Title>
          <Text size="sm" c="dimmed">
            As edited, counted now; nothing is saved.
          </Text>
        </div>
        {isFetching ? <Loader size="xs" aria-label="Counting" /> : null}
      </Group>
      {error ? (
        <Alert color="red" variant="light" mt="sm" title="Cannot count this yet" role="alert" icon={<IconAlertTriangle size={18} aria-hidden />}>
          {readable(error)}
        </Alert>
      ) : (
        <Stack gap="xs" mt="xs">
          <Text fz={32} fw={650} lh={1.2} aria-live="polite" data-testid="live-count">
            {data ? formatCount(data.count) : "–"}
          </Text>
          <Text size="sm" c="dimmed" mt={-8}>
            {noun}
          </Text>
          {data && data.sample.length && canReadProfiles ? (
            <Table>
              <TableHead columns={showValues ? ["Sample profile", "Value"] : ["Sample profile"]} />
              <Table.Tbody>
                {data.sample.slice(0, 5).map((row) => (
                  <Table.Tr key={row.profile_id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/profiles/${encodeURIComponent(row.profile_id)}`} size="sm" ff="monospace">
                        {row.profile_id}
                      </Anchor>
                    </Table.Td>
                    {showValues ? (
                      <Table.Td>
                        <Text size="sm">{JSON.stringify(row.value)}</Text>
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : null}
        </Stack>
      )}
    </Card>
  );
}
