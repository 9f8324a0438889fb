import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorView } from "@codemirror/view";
import { Input } from "@mantine/core";
import CodeMirror from "@uiw/react-codemirror";
import { useEffect, useId, useMemo, useState } from "react";
import { spanOf, type Problem } from "./draft";

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
  const extensions = useMemo(
    () => [EditorView.lineWrapping, lintGutter(), EditorView.contentAttributes.of({ "aria-labelledby": labelId, ...(readOnly ? { "aria-readonly": "true" } : {}) })],
    [labelId, readOnly],
  );

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
      <CodeMirror
        value={value}
        onChange={onChange}
        extensions={extensions}
        editable={!readOnly}
        readOnly={readOnly}
        minHeight={`${minHeight}px`}
        maxHeight="420px"
        basicSetup={{ foldGutter: false, highlightActiveLine: !readOnly, autocompletion: false, closeBrackets: false }}
        style={{ fontSize: 13, border: "1px solid var(--mantine-color-gray-4)", borderRadius: "var(--mantine-radius-md)", overflow: "hidden" }}
        data-testid={testId}
        onCreateEditor={(created) => {
          created.scrollDOM.tabIndex = 0;
          setView(created);
        }}
      />
    </div>
  );
}
