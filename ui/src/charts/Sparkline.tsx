import { sparklinePath } from "./sparkline";

/** A small line of recent values, drawn without a chart library, as wide as its
 * parent. Decorative: the numbers it comes from are given in words beside it. */
export function Sparkline({
  values,
  width = 120,
  height = 32,
  color = "var(--mantine-color-indigo-6)",
}: {
  values: readonly (number | null)[];
  width?: number;
  height?: number;
  color?: string;
}) {
  return (
    <svg
      width="100%"
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      aria-hidden="true"
      focusable="false"
      style={{ display: "block", overflow: "visible" }}
    >
      <path
        d={sparklinePath(values, width, height)}
        fill="none"
        stroke={color}
        strokeWidth={1.75}
        strokeLinejoin="round"
        strokeLinecap="round"
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}
