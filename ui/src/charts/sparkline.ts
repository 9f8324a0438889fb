/** The SVG path of a small line chart of `values` in a `width` × `height` box; a
 * missing value (null) breaks the line. A flat series is drawn across the middle. */
export function sparklinePath(values: readonly (number | null)[], width: number, height: number, inset = 2): string {
  const known = values.filter((value): value is number => value !== null);
  if (!known.length) return "";
  const low = Math.min(...known);
  const high = Math.max(...known);
  const step = values.length > 1 ? (width - 2 * inset) / (values.length - 1) : 0;
  const y = (value: number) =>
    high === low ? height / 2 : inset + (height - 2 * inset) * (1 - (value - low) / (high - low));
  let path = "";
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const x = values.length > 1 ? inset + index * step : width / 2;
    path += `${drawing ? "L" : "M"}${round(x)} ${round(y(value))}`;
    drawing = true;
  });
  return path;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
