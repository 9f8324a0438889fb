import { ActionIcon, Group, Paper, Stack, Text } from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import type { ReactNode } from "react";
import type { JourneyNode } from "../definition";
import { problemAt } from "./fields";
import { field } from "./model";
import type { Problem } from "./types";

export type StepFormProps = {
  id: string;
  node: JourneyNode;
  problems: readonly Problem[];
  /** Sets a field of the node (`duration`, `cases.0.when`); undefined removes it. */
  set: (path: string, value: unknown) => void;
  /** Replaces the node, for changes of several fields at once. */
  replace: (node: JourneyNode) => void;
};

/** Value, change handler and error of a text field of the node. */
export function text({ id, node, problems, set }: StepFormProps, name: string, optional = false) {
  return {
    value: node[name],
    onChange: (value: string) => set(name, optional && value === "" ? undefined : value),
    error: problemAt(problems, `nodes.${id}.${name}`),
  };
}

/** Value, change handler and error of a field of the node edited as YAML. */
export function yaml({ id, node, problems, set }: StepFormProps, path: string) {
  const value = path.split(".").reduce<unknown>((at, part) => (Array.isArray(at) ? at[Number(part)] : field(at, part)), node);
  return { value, onChange: (next: unknown) => set(path, next), error: problemAt(problems, `nodes.${id}.${path}`) };
}

/** A part of a list in a form (a case, an arm, an event), with its remove button. */
export function Item({ title, onRemove, children }: { title: string; onRemove?: () => void; children: ReactNode }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Group justify="space-between" mb={6}>
        <Text size="sm" fw={600}>
          {title}
        </Text>
        {onRemove ? (
          <ActionIcon variant="subtle" color="red" size="sm" aria-label={`Remove ${title.toLowerCase()}`} onClick={onRemove}>
            <IconTrash size={15} />
          </ActionIcon>
        ) : null}
      </Group>
      <Stack gap="xs">{children}</Stack>
    </Paper>
  );
}
