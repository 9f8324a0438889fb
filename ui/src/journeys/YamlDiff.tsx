import { Box } from "@mantine/core";
import { useMemo } from "react";
import { sideBySide, type DiffSide } from "./versionDiff";

const LOOK: Record<DiffSide["kind"], { background?: string; mark: string }> = {
  same: { mark: " " },
  removed: { background: "var(--mantine-color-red-1)", mark: "−" },
  added: { background: "var(--mantine-color-green-1)", mark: "+" },
};

function Cells({ side }: { side: DiffSide | null }) {
  const look = side ? LOOK[side.kind] : null;
  const style = { background: look?.background, padding: "0 8px", whiteSpace: "pre" as const, verticalAlign: "top" };
  return (
    <>
      <td style={{ ...style, color: "var(--mantine-color-gray-7)", textAlign: "right", userSelect: "none" }}>{side?.number ?? ""}</td>
      <td style={{ ...style, width: "50%" }}>
        {side ? `${look?.mark} ${side.text}` : ""}
      </td>
    </>
  );
}

/** Two YAML texts side by side, removed lines in red on the left, added in green on the right. */
export function YamlDiff({ older, newer, olderLabel, newerLabel }: { older: string; newer: string; olderLabel: string; newerLabel: string }) {
  const rows = useMemo(() => sideBySide(older, newer), [older, newer]);
  return (
    <Box
      tabIndex={0}
      role="region"
      aria-label={`YAML changes from ${olderLabel} to ${newerLabel}`}
      mah={520}
      style={{ overflow: "auto", border: "1px solid var(--mantine-color-gray-3)", borderRadius: 8 }}
    >
      <Box component="table" ff="monospace" fz="xs" style={{ borderCollapse: "collapse", width: "100%", lineHeight: 1.6 }}>
        <caption style={{ position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)" }}>
          YAML of {olderLabel} and {newerLabel}, side by side
        </caption>
        <thead>
          <tr style={{ background: "var(--mantine-color-gray-0)" }}>
            <th colSpan={2} style={{ textAlign: "left", padding: "4px 8px" }}>
              {olderLabel}
            </th>
            <th colSpan={2} style={{ textAlign: "left", padding: "4px 8px" }}>
              {newerLabel}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              <Cells side={row.left} />
              <Cells side={row.right} />
            </tr>
          ))}
        </tbody>
      </Box>
    </Box>
  );
}
