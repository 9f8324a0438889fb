import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorView } from "@codemirror/view";
import { Input } from "@mantine/core";
import { useEffect, useId, useState } from "react";
import { CodeBox } from "../ui/CodeBox";
import { spanOf, type Problem } from "./draft";

// Liquid has no CodeMirror language: the API checks it, and its mistakes show in the gutter.
const LIQUID = [lintGutter()];
const SETUP = { autocompletion: false, closeBrackets: false };

type Props = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The API's mistakes in this part, found in `checked` (the text as it was sent). */
  problems: readonly Problem[];
  checked: string | undefined;
  readOnly: boolean;
  description?: string;
  required: boolean;
  minHeight?: number;
  testId: string;
};

/** A Liquid part in CodeMirror, the API's mistakes marked at their line and column. */
export function LiquidEditor({ label, value, onChange, problems, checked, readOnly, description, required, minHeight = 120, testId }: Props) {
  const [view, setView] = useState<EditorView | null>(null);
  const labelId = useId();

  useEffect(() => {
    // Problems found in an older text would point at the wrong place: wait for the check of this one.
    if (!view || checked === undefined || view.state.doc.toString() !== checked) return;
    const diagnostics: Diagnostic[] = problems.map((problem) => ({ ...spanOf(checked, problem), severity: "error", message: problem.message }));
    view.dispatch(setDiagnostics(view.state, diagnostics));
  }, [view, problems, checked]);

  return (
    <div>
      <Input.Label id={labelId} required={required}>
        {label}
      </Input.Label>
      {description ? <Input.Description mb={4}>{description}</Input.Description> : null}
      <CodeBox
        value={value}
        onChange={onChange}
        editable={!readOnly}
        labelledBy={labelId}
        extensions={LIQUID}
        setup={SETUP}
        minHeight={`${minHeight}px`}
        maxHeight="420px"
        testId={testId}
        onView={setView}
      />
    </div>
  );
}
