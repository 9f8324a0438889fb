import { EditorView } from "@codemirror/view";
import CodeMirror, { type BasicSetupOptions, type Extension } from "@uiw/react-codemirror";
import { useMemo } from "react";

// Set in the editor's theme, not on its box, so that the gutter measures lines in the same font.
const FONT = EditorView.theme({ "&": { fontSize: "13px" } });
const BOX = { border: "1px solid var(--mantine-color-gray-4)", borderRadius: "var(--mantine-radius-md)", overflow: "hidden" };

type Props = {
  value: string;
  onChange: (value: string) => void;
  editable: boolean;
  /** The language and other extensions; a stable value, since a new one reconfigures the editor. */
  extensions: readonly Extension[];
  setup?: BasicSetupOptions;
  height?: string;
  minHeight?: string;
  maxHeight?: string;
  testId: string;
  onView?: (view: EditorView) => void;
} & Naming;

/** The name assistive technology reads: the text itself, or the id of a visible label. */
type Naming = { label: string; labelledBy?: undefined } | { labelledBy: string; label?: undefined };

/** Text edited in CodeMirror (YAML, Liquid), named for assistive technology, read-only where
 * the role may not change it, and scrollable by keyboard. */
export function CodeBox({ value, onChange, editable, label, labelledBy, extensions, setup, height, minHeight, maxHeight, testId, onView }: Props) {
  const all = useMemo(
    () => [
      ...extensions,
      EditorView.lineWrapping,
      FONT,
      EditorView.contentAttributes.of({
        ...(labelledBy ? { "aria-labelledby": labelledBy } : label ? { "aria-label": label } : {}),
        ...(editable ? {} : { "aria-readonly": "true" }),
      }),
    ],
    [extensions, label, labelledBy, editable],
  );
  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      extensions={all}
      editable={editable}
      readOnly={!editable}
      height={height}
      minHeight={minHeight}
      maxHeight={maxHeight}
      basicSetup={{ foldGutter: false, ...setup, highlightActiveLine: editable, highlightActiveLineGutter: editable }}
      style={BOX}
      data-testid={testId}
      onCreateEditor={(view) => {
        // The scrolling part takes the focus too, so that a long text scrolls by keyboard.
        view.scrollDOM.tabIndex = 0;
        // Lines measured before the monospace font arrived would leave the gutter's numbers astray.
        void document.fonts.ready.then(() => view.requestMeasure());
        onView?.(view);
      }}
    />
  );
}
