/** A share (0.1) as the percentage a form shows (10), or "" when there is none. */
export function toPercent(share: unknown): number | "" {
  return typeof share === "number" && Number.isFinite(share) ? Math.round(share * 1e6) / 1e4 : "";
}

/** The share a percentage typed in a form stands for; undefined (the default) when emptied. */
export function fromPercent(percent: number | string): number | undefined {
  return typeof percent === "number" ? Math.round(percent * 1e4) / 1e6 : undefined;
}
