import "@xyflow/react/dist/style.css";
import "./builder.css";
import { ActionIcon, Badge, Group, Tabs, Tooltip } from "@mantine/core";
import { IconArrowBackUp, IconArrowForwardUp } from "@tabler/icons-react";
import { useCallback, useMemo, useState, type ReactNode } from "react";
import { journeyToYaml, parseJourneyYaml, type JourneyDefinition, type YamlError } from "../definition";
import { Canvas } from "./Canvas";
import { checkJourney } from "./checks";
import { useHistory } from "./history";
import { useNodePositions } from "./positions";
import type { NodeCounts, NodeHighlight, Problem } from "./types";
import { YamlTab } from "./YamlTab";

export type { NodeCounts, NodeHighlight } from "./types";

type JourneyEditorProps = {
  value: JourneyDefinition;
  /** Absent: read-only (no palette, no editing). */
  onChange?: (next: JourneyDefinition) => void;
  /** API error fields such as "nodes.email.next", "trigger", "nodes.orphan". */
  errors?: { field: string; message: string }[];
  /** Live or backtest counts drawn on nodes. */
  overlay?: { label: string; counts: Record<string, NodeCounts> };
  /** Version diff colouring. */
  highlight?: Record<string, NodeHighlight>;
  /** Extra content at the bottom of the node side panel (people at node). */
  nodeExtras?: (nodeId: string) => ReactNode;
  height?: number | string;
  initialTab?: "canvas" | "yaml";
};

type YamlState = { text: string; source: JourneyDefinition | null; error: YamlError | null };

/** The journey builder: a canvas and a YAML tab editing the same definition. */
export default function JourneyEditor({ value, onChange, errors, overlay, highlight, nodeExtras, height = 640, initialTab = "canvas" }: JourneyEditorProps) {
  const editable = onChange !== undefined;
  const history = useHistory(value, onChange);
  const [tab, setTab] = useState<"canvas" | "yaml">(initialTab);
  const problems = useMemo(() => mergeProblems(errors ?? [], checkJourney(value)), [errors, value]);
  const layout = useNodePositions(value);

  // The YAML is written when the tab is shown, from the text it had: comments stay.
  const [yaml, setYaml] = useState<YamlState>({ text: "", source: null, error: null });
  if (tab === "yaml" && yaml.source !== value) {
    setYaml({ text: journeyToYaml(value, yaml.source ? yaml.text : undefined), source: value, error: null });
  } else if (yaml.error && yaml.source !== value) {
    // Edited on the canvas since: the YAML will be written again from the definition.
    setYaml((current) => ({ ...current, error: null }));
  }
  const { commit } = history;
  const onText = useCallback(
    (text: string) => {
      const parsed = parseJourneyYaml(text);
      if (!parsed.definition) {
        setYaml((current) => ({ ...current, text, error: parsed.error }));
        return;
      }
      const same = JSON.stringify(parsed.definition) === JSON.stringify(value);
      setYaml({ text, source: same ? value : parsed.definition, error: null });
      if (!same) commit(parsed.definition, "yaml");
    },
    [commit, value],
  );

  return (
    <div className="jb-editor">
      <Tabs value={tab} onChange={(next) => setTab(next === "yaml" ? "yaml" : "canvas")} keepMounted={false}>
        <Group justify="space-between" wrap="nowrap" gap="xs" mb="sm">
          <Tabs.List>
            <Tabs.Tab value="canvas" data-testid="tab-canvas">
              Canvas
            </Tabs.Tab>
            <Tabs.Tab value="yaml" data-testid="tab-yaml">
              YAML
            </Tabs.Tab>
          </Tabs.List>
          <Group gap={6} wrap="nowrap">
            {problems.length > 0 ? (
              <Badge color="red" variant="light" data-testid="problem-count">
                {problems.length} to fix
              </Badge>
            ) : null}
            {editable ? (
              <>
                <Tooltip label="Undo (Ctrl+Z)">
                  <ActionIcon variant="default" onClick={history.undo} disabled={!history.canUndo} aria-label="Undo" data-testid="undo">
                    <IconArrowBackUp size={18} />
                  </ActionIcon>
                </Tooltip>
                <Tooltip label="Redo (Ctrl+Shift+Z)">
                  <ActionIcon variant="default" onClick={history.redo} disabled={!history.canRedo} aria-label="Redo" data-testid="redo">
                    <IconArrowForwardUp size={18} />
                  </ActionIcon>
                </Tooltip>
              </>
            ) : null}
          </Group>
        </Group>
        <Tabs.Panel value="canvas">
          <Canvas
            definition={value}
            editable={editable}
            problems={problems}
            overlay={overlay}
            highlight={highlight}
            nodeExtras={nodeExtras}
            positions={layout.positions}
            onMove={layout.move}
            onRenamed={layout.rename}
            onAutoLayout={layout.autoLayout}
            commit={commit}
            undo={history.undo}
            redo={history.redo}
            yamlError={yaml.error}
            height={height}
          />
        </Tabs.Panel>
        <Tabs.Panel value="yaml">
          <YamlTab text={yaml.text} onText={onText} error={yaml.error} problems={problems} editable={editable} height={height} />
        </Tabs.Panel>
      </Tabs>
    </div>
  );
}

/** The API's errors, then the quick checks' on fields the API did not speak of. */
function mergeProblems(api: readonly Problem[], checked: readonly Problem[]): Problem[] {
  const fields = new Set(api.map((p) => p.field));
  return [...api, ...checked.filter((p) => !fields.has(p.field))];
}
