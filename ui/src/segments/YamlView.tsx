import { yaml } from "@codemirror/lang-yaml";
import { EditorView } from "@codemirror/view";
import CodeMirror from "@uiw/react-codemirror";
import { useMemo } from "react";
import { stringify } from "yaml";

/** A definition shown as the YAML one would write, read-only. */
export function YamlView({ value, label }: { value: unknown; label: string }) {
  const text = useMemo(() => stringify(value, { lineWidth: 0 }), [value]);
  const extensions = useMemo(
    () => [yaml(), EditorView.lineWrapping, EditorView.contentAttributes.of({ "aria-label": label, "aria-readonly": "true" })],
    [label],
  );
  return (
    <CodeMirror
      value={text}
      extensions={extensions}
      editable={false}
      readOnly
      basicSetup={{ foldGutter: false, highlightActiveLine: false, highlightActiveLineGutter: false }}
      style={{ fontSize: 13, border: "1px solid var(--mantine-color-gray-3)", borderRadius: "var(--mantine-radius-md)", overflow: "hidden" }}
    />
  );
}
