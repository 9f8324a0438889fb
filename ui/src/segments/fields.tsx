import { ActionIcon, Autocomplete, Button, Group, NumberInput, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { listText, OP_LABELS, parseList, parseScalar, scalarText, withOp } from "./comparison";
import { OPS, type Comparison, type Count, type Op, type PropertyFilter, type Scalar, type Window } from "./condition";

/** Names a person may pick from, typed freely too. */
export function NamePicker({
  label,
  value,
  onChange,
  names,
  readOnly,
  placeholder,
  w = 220,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  names: readonly string[];
  readOnly: boolean;
  placeholder?: string;
  w?: number | string;
}) {
  return (
    <Autocomplete
      label={label}
      size="xs"
      w={w}
      value={value}
      onChange={onChange}
      data={[...new Set(names)]}
      limit={50}
      readOnly={readOnly}
      placeholder={placeholder}
      required
    />
  );
}

/** An operator and the value it compares with, the value's input fitting the operator. */
export function ComparisonInputs<C extends Comparison>({
  comparison,
  onChange,
  ops = OPS,
  readOnly,
  label,
}: {
  comparison: C;
  onChange: (comparison: C) => void;
  ops?: readonly Op[];
  readOnly: boolean;
  label: string;
}) {
  return (
    <>
      <Select
        label="Operator"
        aria-label={`Operator of ${label}`}
        size="xs"
        w={170}
        data={ops.map((op) => ({ value: op, label: OP_LABELS[op] }))}
        value={comparison.op}
        allowDeselect={false}
        onChange={(op) => op && onChange(withOp(comparison, op as Op))}
        readOnly={readOnly}
      />
      <ValueInput comparison={comparison} onChange={(value) => onChange({ ...comparison, value })} readOnly={readOnly} label={label} />
    </>
  );
}

function ValueInput({ comparison, onChange, readOnly, label }: { comparison: Comparison; onChange: (value: Comparison["value"]) => void; readOnly: boolean; label: string }) {
  const { op, value } = comparison;
  if (op === "exists" || op === "not_exists") return null;
  if (op === "gt" || op === "gte" || op === "lt" || op === "lte") {
    return <NumberField label="Value" aria-label={`Value of ${label}`} value={value} onChange={onChange} readOnly={readOnly} />;
  }
  if (op === "between") {
    const [low, high] = Array.isArray(value) ? value : [0, 0];
    return (
      <>
        <NumberField label="From" aria-label={`Lowest value of ${label}`} value={low} onChange={(n) => onChange([n, high ?? n])} readOnly={readOnly} />
        <NumberField label="To" aria-label={`Highest value of ${label}`} value={high} onChange={(n) => onChange([low ?? n, n])} readOnly={readOnly} />
      </>
    );
  }
  if (op === "in") {
    return (
      <TypedText
        label="Values"
        aria-label={`Values of ${label}`}
        description="Separated by commas"
        shown={listText(value)}
        read={(text) => parseList(text)}
        onChange={onChange}
        readOnly={readOnly}
      />
    );
  }
  const placeholder = op === "before" || op === "after" ? "2026-03-01" : op === "within_last" ? "30d" : undefined;
  const typed = op === "equals" || op === "not_equals";
  return (
    <TypedText
      label={op === "within_last" ? "Duration" : op === "before" || op === "after" ? "Date" : "Value"}
      aria-label={`Value of ${label}`}
      description={typed ? "5 is a number, \"5\" text" : undefined}
      placeholder={placeholder}
      shown={typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? (typed ? scalarText(value) : String(value)) : ""}
      read={(text) => (typed ? parseScalar(text) : text)}
      onChange={onChange}
      readOnly={readOnly}
    />
  );
}

/** A text input whose text is kept as typed while what it reads as goes up: "1." stays
 * "1." while it reads as 1. A value changed elsewhere (in the YAML) replaces the text. */
function TypedText<V extends Scalar | Scalar[]>({
  shown,
  read,
  onChange,
  label,
  description,
  placeholder,
  readOnly,
  "aria-label": ariaLabel,
}: {
  shown: string;
  read: (text: string) => V;
  onChange: (value: V) => void;
  label: string;
  description?: string;
  placeholder?: string;
  readOnly: boolean;
  "aria-label": string;
}) {
  const [text, setText] = useState(shown);
  const [lastShown, setLastShown] = useState(shown);
  // Changed from elsewhere (the YAML): show the new value, unless what is typed already reads as it.
  if (shown !== lastShown) {
    setLastShown(shown);
    if (JSON.stringify(read(text)) !== JSON.stringify(read(shown))) setText(shown);
  }
  return (
    <TextInput
      label={label}
      aria-label={ariaLabel}
      description={description}
      inputWrapperOrder={["label", "input", "description", "error"]}
      placeholder={placeholder}
      size="xs"
      w={170}
      value={text}
      readOnly={readOnly}
      onChange={(event) => {
        setText(event.currentTarget.value);
        onChange(read(event.currentTarget.value));
      }}
    />
  );
}

function NumberField({ value, onChange, ...props }: { value: unknown; onChange: (value: number) => void; label: string; "aria-label": string; readOnly: boolean }) {
  return (
    <NumberInput
      {...props}
      size="xs"
      w={110}
      value={typeof value === "number" ? value : ""}
      onChange={(next) => onChange(typeof next === "number" ? next : Number(next) || 0)}
    />
  );
}

type WindowKind = "ever" | "last" | "between" | "since_last";
const WINDOW_LABELS: Record<WindowKind, string> = { ever: "ever", last: "in the last", between: "between dates", since_last: "since the last" };

/** Which events count: all of them, the last span, between two dates, since another event. */
export function WindowInputs({
  window,
  onChange,
  events,
  readOnly,
  label,
}: {
  window: Window | undefined;
  onChange: (window: Window | undefined) => void;
  events: readonly string[];
  readOnly: boolean;
  label: string;
}) {
  const kind: WindowKind = window === undefined ? "ever" : "last" in window ? "last" : "between" in window ? "between" : "since_last";
  const change = (next: WindowKind) => {
    if (next === "ever") onChange(undefined);
    else if (next === "last") onChange({ last: "30d" });
    else if (next === "between") onChange({ between: ["2026-01-01", "2026-02-01"] });
    else onChange({ since_last: events[0] ?? "" });
  };
  return (
    <>
      <Select
        label="When"
        aria-label={`When, for ${label}`}
        size="xs"
        w={140}
        data={(Object.keys(WINDOW_LABELS) as WindowKind[]).map((value) => ({ value, label: WINDOW_LABELS[value] }))}
        value={kind}
        allowDeselect={false}
        onChange={(next) => next && change(next as WindowKind)}
        readOnly={readOnly}
      />
      {window && "last" in window ? (
        <TextInput label="Span" aria-label={`Span of ${label}`} size="xs" w={90} value={window.last} placeholder="30d" readOnly={readOnly} onChange={(e) => onChange({ last: e.currentTarget.value })} />
      ) : null}
      {window && "between" in window ? (
        <>
          <TextInput label="From" aria-label={`First day of ${label}`} size="xs" w={120} value={window.between[0]} readOnly={readOnly} onChange={(e) => onChange({ between: [e.currentTarget.value, window.between[1]] })} />
          <TextInput label="Until" aria-label={`Day after the last of ${label}`} size="xs" w={120} value={window.between[1]} readOnly={readOnly} onChange={(e) => onChange({ between: [window.between[0], e.currentTarget.value] })} />
        </>
      ) : null}
      {window && "since_last" in window ? (
        <NamePicker label="Event" value={window.since_last} names={events} readOnly={readOnly} onChange={(since_last) => onChange({ since_last })} w={180} />
      ) : null}
    </>
  );
}

type Bound = "at_least" | "at_most" | "exactly";
const BOUND_LABELS: Record<Bound, string> = { at_least: "at least", at_most: "at most", exactly: "exactly" };

/** How many times: at least, at most or exactly N (at least once when left out). */
export function CountInputs({ count, onChange, readOnly, label }: { count: Count | undefined; onChange: (count: Count) => void; readOnly: boolean; label: string }) {
  const bound: Bound = count === undefined || "at_least" in count ? "at_least" : "at_most" in count ? "at_most" : "exactly";
  const times = count === undefined ? 1 : "at_least" in count ? count.at_least : "at_most" in count ? count.at_most : count.exactly;
  const make = (b: Bound, n: number): Count => (b === "at_least" ? { at_least: n } : b === "at_most" ? { at_most: n } : { exactly: n });
  return (
    <>
      <Select
        label="How often"
        aria-label={`How often, for ${label}`}
        size="xs"
        w={110}
        data={(Object.keys(BOUND_LABELS) as Bound[]).map((value) => ({ value, label: BOUND_LABELS[value] }))}
        value={bound}
        allowDeselect={false}
        onChange={(next) => next && onChange(make(next as Bound, times))}
        readOnly={readOnly}
      />
      <NumberInput
        label="Times"
        aria-label={`Times, for ${label}`}
        size="xs"
        w={80}
        min={0}
        allowDecimal={false}
        value={times}
        readOnly={readOnly}
        onChange={(next) => onChange(make(bound, typeof next === "number" ? Math.max(0, Math.floor(next)) : 0))}
      />
    </>
  );
}

/** Property filters of an event (`where:`): all must hold. */
export function WhereList({
  filters,
  onChange,
  readOnly,
  label,
}: {
  filters: PropertyFilter[] | undefined;
  onChange: (filters: PropertyFilter[] | undefined) => void;
  readOnly: boolean;
  label: string;
}) {
  const list = filters ?? [];
  const set = (next: PropertyFilter[]) => onChange(next.length ? next : undefined);
  return (
    <Stack gap={4} w="100%">
      {list.map((filter, index) => {
        const which = `property filter ${index + 1} of ${label}`;
        return (
          <Group key={index} gap="xs" align="flex-end" wrap="wrap" pl="md">
            <Text size="xs" c="dimmed" pb={6}>
              where
            </Text>
            <TextInput
              label="Property"
              aria-label={`Property of ${which}`}
              size="xs"
              w={150}
              value={filter.property}
              readOnly={readOnly}
              onChange={(e) => set(list.map((f, i) => (i === index ? { ...f, property: e.currentTarget.value } : f)))}
            />
            <ComparisonInputs comparison={filter} label={which} readOnly={readOnly} onChange={(next) => set(list.map((f, i) => (i === index ? next : f)))} />
            {readOnly ? null : (
              <ActionIcon variant="subtle" color="red" aria-label={`Remove ${which}`} onClick={() => set(list.filter((_, i) => i !== index))} mb={2}>
                <IconTrash size={15} aria-hidden />
              </ActionIcon>
            )}
          </Group>
        );
      })}
      {readOnly ? null : (
        <Button
          variant="subtle"
          size="compact-xs"
          leftSection={<IconPlus size={14} aria-hidden />}
          onClick={() => set([...list, { property: "", op: "equals", value: "" }])}
          style={{ alignSelf: "flex-start" }}
          aria-label={`Add a property filter to ${label}`}
        >
          Property filter
        </Button>
      )}
    </Stack>
  );
}
