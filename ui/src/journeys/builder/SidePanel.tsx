import { ActionIcon, Alert, Button, Divider, Fieldset, Group, List, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { IconAlertTriangle, IconTrash, IconX } from "@tabler/icons-react";
import { useState, type ReactNode } from "react";
import { capitalised } from "../../ui/text";
import type { JourneyDefinition, JourneyNode } from "../definition";
import { idProblem, updateNode, updateNodeField } from "./edits";
import { TargetSelect, problemAt } from "./fields";
import { START_HANDLE, TRIGGER_ID, setExit } from "./graph";
import { TriggerIcon, iconOf } from "./icons";
import { categoryOf, exitsOf, typeLabel } from "./model";
import { Counts } from "./nodeParts";
import { FORM_FIELDS, StepForm } from "./stepForms";
import { TriggerForm, setJourneyField } from "./TriggerForm";
import type { NodeCounts, Problem } from "./types";

const TRIGGER_FIELDS = ["name", "stage", "priority", "trigger", "audience", "reentry", "goal", "exit_on", "start"];

type Props = {
  definition: JourneyDefinition;
  /** A step's id, or TRIGGER_ID for the journey's own settings. */
  selected: string;
  problems: readonly Problem[];
  editable: boolean;
  overlay: boolean;
  counts?: NodeCounts;
  commit: (next: JourneyDefinition, group?: string) => void;
  onRename: (from: string, to: string) => void;
  onDelete: (id: string) => void;
  onClose: () => void;
  extras?: ReactNode;
};

/** The selected step's (or the trigger's) settings, beside the canvas. */
export function SidePanel(props: Props) {
  const { definition, selected, problems, editable, overlay, counts, commit, onClose, extras } = props;
  const node = selected === TRIGGER_ID ? null : definition.nodes?.[selected];
  if (selected !== TRIGGER_ID && !node) return null;
  const Icon = node ? iconOf(node) : TriggerIcon;
  const title = node ? selected : "Journey settings";
  const own = node
    ? problems.filter((p) => p.field === `nodes.${selected}` || p.field.startsWith(`nodes.${selected}.`))
    : problems.filter((p) => !p.field.startsWith("nodes.") || p.field === "nodes");
  // Problems no field below shows are listed at the top.
  const shown = node ? [...(FORM_FIELDS[node.type] ?? []), "description"].map((name) => `nodes.${selected}.${name}`) : TRIGGER_FIELDS;
  const listed = own.filter((p) => !shown.some((name) => p.field === name || p.field.startsWith(`${name}.`)) && !(node && isExitField(node, selected, p.field)));
  const steps = Object.keys(definition.nodes ?? {});

  return (
    <aside className={`jb-panel${overlay ? " jb-overlay" : ""}`} aria-label={node ? `Step ${selected}` : "Journey settings"} data-testid="side-panel">
      <Group justify="space-between" wrap="nowrap" px="md" py="sm" className={node ? `jb-${categoryOf(node.type)}` : "jb-trigger"} style={{ borderBottom: "1px solid var(--mantine-color-gray-3)" }}>
        <Group gap="sm" wrap="nowrap" miw={0}>
          <span className="jb-icon" aria-hidden>
            <Icon size={17} stroke={1.8} />
          </span>
          <div style={{ minWidth: 0 }}>
            <Text size="xs" fw={700} tt="uppercase" c="gray.7">
              {node ? typeLabel(node.type) : "Trigger"}
            </Text>
            <Title order={2} size="h4" style={{ overflowWrap: "anywhere" }}>
              {title}
            </Title>
          </div>
        </Group>
        <ActionIcon variant="subtle" color="gray" onClick={onClose} aria-label="Close the panel">
          <IconX size={18} />
        </ActionIcon>
      </Group>
      <div className="jb-panel-body">
        <Stack gap="md">
          {listed.length > 0 ? (
            <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="To fix">
              <List size="sm" spacing={2}>
                {listed.map((p) => (
                  <List.Item key={`${p.field}:${p.message}`}>{p.message}</List.Item>
                ))}
              </List>
            </Alert>
          ) : null}
          {counts ? <Counts counts={counts} /> : null}
          <Fieldset disabled={!editable} variant="unstyled" p={0} m={0}>
            {node ? (
              <StepSettings {...props} node={node} steps={steps} />
            ) : (
              <Stack gap="sm">
                <TriggerForm definition={definition} problems={problems} set={(path, value) => commit(setJourneyField(definition, path, value), path)} />
                <TargetSelect
                  label="First step"
                  value={typeof definition.start === "string" ? definition.start : null}
                  steps={steps}
                  onChange={(target) => commit(setExit(definition, TRIGGER_ID, START_HANDLE, target))}
                  error={problemAt(problems, "start")}
                />
              </Stack>
            )}
          </Fieldset>
          {node && extras ? (
            <>
              <Divider />
              {extras}
            </>
          ) : null}
        </Stack>
      </div>
    </aside>
  );
}

function isExitField(node: JourneyNode, id: string, field: string): boolean {
  return exitsOf(node).some((exit) => field === `nodes.${id}.${exit.path}`);
}

function StepSettings({ definition, selected, problems, editable, commit, onRename, onDelete, node, steps }: Props & { node: JourneyNode; steps: string[] }) {
  const exits = exitsOf(node);
  const set = (path: string, value: unknown) => commit(updateNodeField(definition, selected, path, value), `${selected}.${path}`);
  return (
    <Stack gap="sm">
      <RenameField key={selected} definition={definition} id={selected} onRename={onRename} />
      <Textarea
        label="Note (optional)"
        description="Shown on the card, for the team"
        autosize
        minRows={1}
        maxRows={4}
        value={typeof node.description === "string" ? node.description : ""}
        onChange={(event) => set("description", event.currentTarget.value || undefined)}
        error={problemAt(problems, `nodes.${selected}.description`)}
      />
      <StepForm id={selected} node={node} problems={problems} set={set} replace={(next) => commit(updateNode(definition, selected, next))} />
      {exits.length > 0 ? (
        <>
          <Title order={3} size="h5" mt="sm">
            Where it goes
          </Title>
          {exits.map((exit) => (
            <TargetSelect
              key={exit.path}
              label={exit.label === "next" ? "Then" : capitalised(exit.label)}
              value={exit.target}
              steps={steps}
              onChange={(target) => commit(setExit(definition, selected, exit.path, target))}
              error={problems.find((p) => p.field === `nodes.${selected}.${exit.path}`)?.message}
              testId={`exit-${exit.path}`}
            />
          ))}
        </>
      ) : null}
      {editable ? (
        <Button variant="light" color="red" leftSection={<IconTrash size={16} />} onClick={() => onDelete(selected)} mt="sm">
          Delete this step
        </Button>
      ) : null}
    </Stack>
  );
}

function RenameField({ definition, id, onRename }: { definition: JourneyDefinition; id: string; onRename: (from: string, to: string) => void }) {
  const [draft, setDraft] = useState(id);
  const problem = draft === id ? null : idProblem(definition, draft, id);
  const apply = () => {
    if (draft !== id && problem === null) onRename(id, draft);
  };
  return (
    <TextInput
      label="Step id"
      description="Used in reports and in the YAML; renaming updates every link to it"
      value={draft}
      onChange={(event) => setDraft(event.currentTarget.value.trim())}
      onBlur={apply}
      onKeyDown={(event) => {
        if (event.key === "Enter") apply();
        if (event.key === "Escape") setDraft(id);
      }}
      error={problem}
    />
  );
}
