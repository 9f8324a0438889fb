import { ActionIcon, Badge, Button, Group, Menu, Paper, Select, Stack, Text, TextInput, Tooltip } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconPlus, IconSwitch2, IconTrash } from "@tabler/icons-react";
import { Fragment } from "react";
import {
  addTo,
  blank,
  BUILTIN_COMPUTED,
  childrenOf,
  DATE_OPS,
  KIND_LABELS,
  kindOf,
  moveAt,
  negated,
  NUMERIC_OPS,
  regrouped,
  removeAt,
  samePath,
  updateAt,
  type Aggregate,
  type Condition,
  type Kind,
  type Path,
  type Step,
} from "./condition";
import { ComparisonInputs, CountInputs, NamePicker, WhereList, WindowInputs } from "./fields";

/** The names the pickers offer. */
export type Names = { traits: readonly string[]; events: readonly string[]; segments: readonly string[]; computed: readonly string[] };

type Props = {
  condition: Condition;
  onChange: (condition: Condition) => void;
  names: Names;
  readOnly: boolean;
  /** An error the API named a part of the condition for, at its place. */
  problem: { path: Path; message: string } | null;
};

const ADDABLE: readonly Kind[] = ["trait", "event", "computed", "aggregate", "sequence", "has", "segment", "all", "any"];

/** A condition edited by clicks: groups of rows, each a condition of the DSL. */
export function ConditionBuilder(props: Props) {
  const { condition, onChange, readOnly } = props;
  const root = "all" in condition || "any" in condition;
  return (
    <Stack gap="xs" data-testid="condition-builder">
      {root ? (
        <GroupNode {...props} node={condition} path={[]} />
      ) : (
        <>
          <Row {...props} node={condition} path={[]} position="The condition" siblings={1} />
          {readOnly ? null : <AddMenu label="Add a condition" onAdd={(kind) => onChange(addTo(condition, [], blank(kind, firstNames(props.names))))} />}
        </>
      )}
    </Stack>
  );
}

function firstNames(names: Names) {
  return { trait: names.traits[0], event: names.events[0] };
}

type NodeProps = Props & { node: Condition; path: Path };

function GroupNode(props: NodeProps) {
  const { node, path, condition, onChange, readOnly, names } = props;
  const children = childrenOf(node);
  const quantifier = "all" in node ? "all" : "any";
  const where = path.length ? `group ${path.map((i) => i + 1).join(".")}` : "the segment";
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Select
          aria-label={`Which conditions of ${where} must hold`}
          size="xs"
          w={200}
          allowDeselect={false}
          readOnly={readOnly}
          data={[
            { value: "all", label: "All of these hold" },
            { value: "any", label: "Any of these holds" },
          ]}
          value={quantifier}
          onChange={(to) => to && onChange(updateAt(condition, path, (found) => regrouped(found, to as "all" | "any")))}
        />
      </Group>
      {children.map((child, index) => (
        <Fragment key={index}>
          {index > 0 ? (
            <Text size="xs" fw={600} c="dimmed" tt="uppercase" pl="xs">
              {quantifier === "all" ? "and" : "or"}
            </Text>
          ) : null}
          <Row {...props} node={child} path={[...path, index]} position={`Condition ${[...path, index].map((i) => i + 1).join(".")}`} siblings={children.length} />
        </Fragment>
      ))}
      {readOnly ? null : (
        <AddMenu
          label={path.length ? `Add a condition to ${where}` : "Add a condition"}
          onAdd={(kind) => onChange(addTo(condition, path, blank(kind, firstNames(names))))}
        />
      )}
    </Stack>
  );
}

function AddMenu({ label, onAdd }: { label: string; onAdd: (kind: Kind) => void }) {
  return (
    <Menu position="bottom-start" withinPortal>
      <Menu.Target>
        <Button variant="light" size="compact-sm" leftSection={<IconPlus size={15} aria-hidden />} style={{ alignSelf: "flex-start" }} aria-label={label}>
          Add condition
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {ADDABLE.map((kind) => (
          <Menu.Item key={kind} onClick={() => onAdd(kind)}>
            {kind === "all" ? "Group: all of" : kind === "any" ? "Group: any of" : KIND_LABELS[kind]}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

/** One condition of a group, with its own controls: negate, move, remove. */
function Row(props: NodeProps & { position: string; siblings: number }) {
  const { node, path, condition, onChange, readOnly, problem, position, siblings } = props;
  const isNot = "not" in node;
  const inner = isNot ? node.not : node;
  const innerPath = isNot ? [...path, 0] : path;
  const index = path[path.length - 1] ?? 0;
  const message = problem && (samePath(problem.path, path) || samePath(problem.path, innerPath)) ? problem.message : null;
  return (
    <Paper withBorder p="xs" radius="md" data-testid={`condition-${path.join("-") || "root"}`} style={message ? { borderColor: "var(--mantine-color-red-7)" } : undefined}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Group gap={6}>
            <Text size="xs" fw={600} c="dimmed">
              {position}
            </Text>
            {isNot ? (
              <Badge size="sm" color="red" variant="light">
                Not
              </Badge>
            ) : null}
            <Text size="xs" c="dimmed">
              {KIND_LABELS[kindOf(inner) ?? "trait"]}
            </Text>
          </Group>
          {readOnly ? null : (
            <Group gap={2} wrap="nowrap">
              <Tooltip label={isNot ? "Remove the not" : "Negate: holds when this does not"}>
                <ActionIcon variant={isNot ? "light" : "subtle"} color={isNot ? "red" : "gray"} aria-pressed={isNot} aria-label={`Negate ${position.toLowerCase()}`} onClick={() => onChange(updateAt(condition, path, negated))}>
                  <IconSwitch2 size={15} aria-hidden />
                </ActionIcon>
              </Tooltip>
              {path.length ? (
                <>
                  <ActionIcon variant="subtle" color="gray" aria-label={`Move ${position.toLowerCase()} up`} disabled={index === 0} onClick={() => onChange(moveAt(condition, path, -1))}>
                    <IconArrowUp size={15} aria-hidden />
                  </ActionIcon>
                  <ActionIcon variant="subtle" color="gray" aria-label={`Move ${position.toLowerCase()} down`} disabled={index >= siblings - 1} onClick={() => onChange(moveAt(condition, path, 1))}>
                    <IconArrowDown size={15} aria-hidden />
                  </ActionIcon>
                  <ActionIcon variant="subtle" color="red" aria-label={`Remove ${position.toLowerCase()}`} onClick={() => onChange(removeAt(condition, path))}>
                    <IconTrash size={15} aria-hidden />
                  </ActionIcon>
                </>
              ) : null}
            </Group>
          )}
        </Group>
        {"all" in inner || "any" in inner ? <GroupNode {...props} node={inner} path={innerPath} /> : <Leaf {...props} node={inner} path={innerPath} label={position.toLowerCase()} />}
        {message ? (
          <Text size="xs" c="red.8" role="alert">
            {message}
          </Text>
        ) : null}
      </Stack>
    </Paper>
  );
}

/** The inputs of a condition that holds no other. */
function Leaf({ node, path, condition, onChange, readOnly, names, label }: NodeProps & { label: string }) {
  const set = (next: Condition) => onChange(updateAt(condition, path, () => next));
  const common = { readOnly, label };
  if ("trait" in node) {
    return (
      <Group gap="xs" align="flex-start" wrap="wrap">
        <NamePicker label="Trait" value={node.trait} names={names.traits} readOnly={readOnly} placeholder="plan" onChange={(trait) => set({ ...node, trait })} />
        <ComparisonInputs comparison={node} onChange={set} {...common} />
      </Group>
    );
  }
  if ("computed" in node) {
    const builtin = (BUILTIN_COMPUTED as readonly string[]).includes(node.computed);
    return (
      <Group gap="xs" align="flex-start" wrap="wrap">
        <NamePicker label="Computed trait" value={node.computed} names={[...BUILTIN_COMPUTED, ...names.computed]} readOnly={readOnly} onChange={(computed) => set({ ...node, computed })} />
        <ComparisonInputs comparison={node} onChange={set} ops={builtin ? DATE_OPS : undefined} {...common} />
      </Group>
    );
  }
  if ("aggregate" in node) {
    return (
      <Stack gap={6}>
        <Group gap="xs" align="flex-start" wrap="wrap">
          <Select
            label="Of"
            aria-label={`Aggregate of ${label}`}
            size="xs"
            w={100}
            allowDeselect={false}
            readOnly={readOnly}
            data={[
              { value: "sum", label: "sum" },
              { value: "avg", label: "average" },
              { value: "min", label: "minimum" },
              { value: "max", label: "maximum" },
            ]}
            value={node.aggregate}
            onChange={(aggregate) => aggregate && set({ ...node, aggregate: aggregate as Aggregate })}
          />
          <TextInput label="Property" aria-label={`Property of ${label}`} size="xs" w={140} value={node.property} readOnly={readOnly} placeholder="revenue" onChange={(e) => set({ ...node, property: e.currentTarget.value })} />
          <NamePicker label="Event" value={node.event} names={names.events} readOnly={readOnly} onChange={(event) => set({ ...node, event })} />
        </Group>
        <Group gap="xs" align="flex-start" wrap="wrap">
          <WindowInputs window={node.window} events={names.events} onChange={(window) => set(withOptional(node, "window", window))} {...common} />
          <ComparisonInputs comparison={node} onChange={set} ops={NUMERIC_OPS} {...common} />
        </Group>
        <WhereList filters={node.where} onChange={(where) => set(withOptional(node, "where", where))} {...common} />
      </Stack>
    );
  }
  if ("event" in node) {
    return (
      <Stack gap={6}>
        <Group gap="xs" align="flex-start" wrap="wrap">
          <NamePicker label="Event" value={node.event} names={names.events} readOnly={readOnly} placeholder="Order Completed" onChange={(event) => set({ ...node, event })} />
          <CountInputs count={node.count} onChange={(count) => set({ ...node, count })} {...common} />
          <WindowInputs window={node.window} events={names.events} onChange={(window) => set(withOptional(node, "window", window))} {...common} />
        </Group>
        <WhereList filters={node.where} onChange={(where) => set(withOptional(node, "where", where))} {...common} />
      </Stack>
    );
  }
  if ("sequence" in node) {
    const steps = node.sequence;
    const setSteps = (sequence: Step[]) => set({ ...node, sequence });
    return (
      <Stack gap={6}>
        {steps.map((step, index) => (
          <Stack key={index} gap={4}>
            <Group gap="xs" align="flex-end" wrap="wrap">
              <Text size="xs" c="dimmed" pb={6} w={40}>
                {index === 0 ? "First" : "then"}
              </Text>
              <NamePicker label={`Step ${index + 1} event`} value={step.event} names={names.events} readOnly={readOnly} onChange={(event) => setSteps(steps.map((s, i) => (i === index ? { ...s, event } : s)))} />
              {readOnly || steps.length <= 2 ? null : (
                <ActionIcon variant="subtle" color="red" aria-label={`Remove step ${index + 1} of ${label}`} onClick={() => setSteps(steps.filter((_, i) => i !== index))} mb={2}>
                  <IconTrash size={15} aria-hidden />
                </ActionIcon>
              )}
            </Group>
            <WhereList filters={step.where} onChange={(where) => setSteps(steps.map((s, i) => (i === index ? withOptional(s, "where", where) : s)))} readOnly={readOnly} label={`step ${index + 1} of ${label}`} />
          </Stack>
        ))}
        <Group gap="xs" align="flex-end">
          {readOnly || steps.length >= 4 ? null : (
            <Button variant="subtle" size="compact-xs" leftSection={<IconPlus size={14} aria-hidden />} onClick={() => setSteps([...steps, { event: "" }])}>
              Step
            </Button>
          )}
          <TextInput label="All within" aria-label={`Span of ${label}`} size="xs" w={100} value={node.within} readOnly={readOnly} placeholder="1h" onChange={(e) => set({ ...node, within: e.currentTarget.value })} />
        </Group>
      </Stack>
    );
  }
  if ("has" in node) {
    return (
      <Select
        label="Has"
        aria-label={`What ${label} needs`}
        size="xs"
        w={200}
        allowDeselect={false}
        readOnly={readOnly}
        data={[
          { value: "email", label: "an e-mail address" },
          { value: "phone", label: "a phone number" },
        ]}
        value={node.has}
        onChange={(has) => has && set({ has: has as "email" | "phone" })}
      />
    );
  }
  if ("segment" in node) {
    return <NamePicker label="Segment key" value={node.segment} names={names.segments} readOnly={readOnly} onChange={(segment) => set({ segment })} />;
  }
  return (
    <Text size="sm" c="dimmed">
      Written in the YAML only: change it there.
    </Text>
  );
}

/** The object with `field` set, or without it when `value` is undefined. */
function withOptional<T extends object, K extends string, V>(node: T, field: K, value: V | undefined): T {
  const next = { ...node } as Record<string, unknown>;
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next as T;
}
