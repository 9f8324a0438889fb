import { Select, Textarea, TextInput } from "@mantine/core";
import { useState, type ReactNode } from "react";
import { parseYamlValue, valueToYaml } from "../definition";
import type { Problem } from "./types";

/** The first problem at `field` or inside it (`trigger.where.0.op` is inside `trigger.where`). */
export function problemAt(problems: readonly Problem[], field: string): string | undefined {
  return problems.find((p) => p.field === field || p.field.startsWith(`${field}.`))?.message;
}

type TextFieldProps = {
  label: string;
  value: unknown;
  onChange: (value: string) => void;
  error?: ReactNode;
  description?: ReactNode;
  placeholder?: string;
  testId?: string;
};

export function TextField({ label, value, onChange, error, description, placeholder, testId }: TextFieldProps) {
  return (
    <TextInput
      label={label}
      value={typeof value === "string" ? value : value === undefined || value === null ? "" : String(value)}
      onChange={(event) => onChange(event.currentTarget.value)}
      error={error}
      description={description}
      placeholder={placeholder}
      data-testid={testId}
    />
  );
}

export function DurationField(props: Omit<TextFieldProps, "placeholder" | "description">) {
  return <TextField {...props} placeholder="1h, 3d, 2w" description="30s, 10m, 1h, 3d or 2w" />;
}

type YamlFieldProps = {
  label: string;
  value: unknown;
  /** Called with the value written, or undefined when the text is emptied. */
  onChange: (value: unknown) => void;
  error?: ReactNode;
  description?: ReactNode;
  placeholder?: string;
  minRows?: number;
};

/** A value too rich for a form (a condition, filters, a body), edited as YAML. */
export function YamlField({ label, value, onChange, error, description, placeholder, minRows = 2 }: YamlFieldProps) {
  const [text, setText] = useState(() => valueToYaml(value));
  const [shown, setShown] = useState(value);
  const [mistake, setMistake] = useState<string | null>(null);
  if (value !== shown) {
    // Changed elsewhere (undo, the YAML tab): show the new value.
    setShown(value);
    setText(valueToYaml(value));
    setMistake(null);
  }
  function edit(next: string) {
    setText(next);
    if (next.trim() === "") {
      setMistake(null);
      setShown(undefined);
      onChange(undefined);
      return;
    }
    const parsed = parseYamlValue(next);
    if (parsed.error) {
      setMistake(`${parsed.error.message}${parsed.error.line ? ` (line ${parsed.error.line})` : ""}`);
      return;
    }
    setMistake(null);
    setShown(parsed.value);
    onChange(parsed.value);
  }
  return (
    <Textarea
      className="jb-mono"
      label={label}
      description={description}
      placeholder={placeholder}
      value={text}
      onChange={(event) => edit(event.currentTarget.value)}
      error={mistake ?? error}
      autosize
      minRows={minRows}
      maxRows={14}
      spellCheck={false}
    />
  );
}

type TargetSelectProps = {
  label: string;
  value: string | null;
  steps: readonly string[];
  onChange: (target: string | null) => void;
  error?: ReactNode;
  testId?: string;
};

/** Where a way out of a step goes: the keyboard's way of connecting steps. */
export function TargetSelect({ label, value, steps, onChange, error, testId }: TargetSelectProps) {
  const data = value !== null && !steps.includes(value) ? [...steps, value] : steps;
  return (
    <Select
      label={label}
      placeholder="Not connected"
      data={data}
      value={value}
      onChange={onChange}
      clearable
      searchable
      error={error}
      nothingFoundMessage="No step has that name"
      data-testid={testId}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
