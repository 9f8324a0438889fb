import { Alert, List, Text } from "@mantine/core";
import { yaml } from "@codemirror/lang-yaml";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useMemo } from "react";
import { CodeBox } from "../../ui/CodeBox";
import { fieldLines, type YamlError } from "../definition";
import type { Problem } from "./types";

type Props = {
  text: string;
  onText: (text: string) => void;
  error: YamlError | null;
  problems: readonly Problem[];
  editable: boolean;
  height: number | string;
};

const YAML = [yaml()];

/** The definition as YAML, edited as text: what reads well goes to the canvas at once. */
export function YamlTab({ text, onText, error, problems, editable, height }: Props) {
  const located = useMemo(() => {
    const lines = fieldLines(text, problems.map((p) => p.field));
    return problems.map((p, i) => ({ ...p, line: lines[i] ?? null }));
  }, [problems, text]);
  return (
    <div>
      {error ? (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} mb="sm" title={error.line ? `Line ${error.line}` : "The YAML does not read"} role="alert">
          {error.message}. The canvas keeps the last version that read well.
        </Alert>
      ) : null}
      {!error && located.length > 0 ? (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} mb="sm" title="To fix">
          <List size="sm" spacing={2}>
            {located.map((p) => (
              <List.Item key={`${p.field}:${p.message}`}>
                <Text span size="sm" ff="monospace">
                  {p.field}
                </Text>
                {p.line ? ` (line ${p.line})` : ""}: {p.message}
              </List.Item>
            ))}
          </List>
        </Alert>
      ) : null}
      <CodeBox
        value={text}
        onChange={onText}
        editable={editable}
        label="Journey YAML"
        extensions={YAML}
        setup={{ foldGutter: true }}
        height={typeof height === "number" ? `${height}px` : height}
        testId="yaml-editor"
      />
    </div>
  );
}
