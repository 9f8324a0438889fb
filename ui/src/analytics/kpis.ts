/** The customer-experience KPIs of GET /api/v1/kpis, as docs/analytics.md defines them. */

type KpiFormat = "count" | "money" | "rate" | "score" | "duration" | "ratio";

export type KpiDefinition = {
  key: string;
  label: string;
  format: KpiFormat;
  /** Whether a rise is good news (churn and abandonment are better lower; spend is neither). */
  better: "higher" | "lower" | "neither";
  definition: string;
};

export const KPIS: KpiDefinition[] = [
  { key: "visitors", label: "Visitors", format: "count", better: "higher", definition: "Profiles with an event of their own in the period (not Baton's delivery and segment events, not Ad Spend)." },
  { key: "buyers", label: "Buyers", format: "count", better: "higher", definition: "Profiles with an Order Completed in the period." },
  { key: "orders", label: "Orders", format: "count", better: "higher", definition: "Order Completed events in the period." },
  { key: "revenue", label: "Revenue", format: "money", better: "higher", definition: "The sum of the period's orders' revenue (else total)." },
  { key: "conversion_rate", label: "Conversion rate", format: "rate", better: "higher", definition: "Buyers / visitors." },
  { key: "cart_abandonment_rate", label: "Cart abandonment", format: "rate", better: "lower", definition: "1 − (profiles that ordered after their first Product Added of the period) / (profiles with a Product Added in the period)." },
  { key: "sign_up_rate", label: "Sign-up rate", format: "rate", better: "higher", definition: "Profiles with Signed Up in the period / visitors." },
  { key: "lead_to_customer_rate", label: "Lead to customer", format: "rate", better: "higher", definition: "Of the profiles that signed up in the period, the share that ordered after signing up." },
  { key: "average_order_value", label: "Average order value", format: "money", better: "higher", definition: "Revenue / orders." },
  { key: "repeat_purchase_rate", label: "Repeat purchase rate", format: "rate", better: "higher", definition: "Buyers with two or more orders in the period / buyers." },
  { key: "retention_rate", label: "Retention rate", format: "rate", better: "higher", definition: "Of the visitors of the previous period of the same length, the share that are visitors of this one." },
  { key: "churn_rate", label: "Churn rate", format: "rate", better: "lower", definition: "Of the customers before the period, the share with no order within the churn window before its end and no activity in the period." },
  { key: "historical_cltv", label: "Customer lifetime value", format: "money", better: "higher", definition: "All revenue up to the end of the period of every customer / customers." },
  { key: "median_seconds_to_conversion", label: "Time to first order", format: "duration", better: "lower", definition: "For new customers (first order ever in the period): the median time from first event to first order." },
  { key: "nps", label: "NPS", format: "score", better: "higher", definition: "Of NPS Submitted scores (0–10) in the period: % promoters (9–10) − % detractors (0–6)." },
  { key: "csat", label: "CSAT", format: "score", better: "higher", definition: "Of CSAT Submitted scores (1–5) in the period: the % of 4 and 5." },
  { key: "median_seconds_to_resolution", label: "Time to resolve a ticket", format: "duration", better: "lower", definition: "Median time from Ticket Opened to Ticket Resolved, for tickets resolved in the period." },
  { key: "ad_spend", label: "Ad spend", format: "money", better: "neither", definition: "The sum of Ad Spend events' amount (else cost, spend) in the period." },
  { key: "cac", label: "Customer acquisition cost", format: "money", better: "lower", definition: "Ad spend / new customers." },
  { key: "roas", label: "Return on ad spend", format: "ratio", better: "higher", definition: "Revenue / ad spend." },
];

type KpiValues = Record<string, number | null>;
type SeriesPoint = { date: string; value: number | null };

/** The answer of GET /api/v1/kpis?trend=true, read leniently: a server without trends
 * answers without `previous` and `series`, and the tiles do without. */
export type KpiReport = {
  from: string | null;
  to: string | null;
  values: KpiValues;
  previous: KpiValues | null;
  series: Record<string, SeriesPoint[]>;
  bucketDays: number;
};

function numbers(body: Record<string, unknown>): KpiValues {
  const values: KpiValues = {};
  for (const { key } of KPIS) {
    const value = body[key];
    values[key] = typeof value === "number" && Number.isFinite(value) ? value : null;
  }
  return values;
}

function points(raw: unknown): SeriesPoint[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((point) => {
    if (typeof point !== "object" || point === null) return [];
    const { date, value } = point as { date?: unknown; value?: unknown };
    if (typeof date !== "string") return [];
    return [{ date, value: typeof value === "number" && Number.isFinite(value) ? value : null }];
  });
}

export function readKpis(body: unknown): KpiReport {
  const found = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const previous = found.previous;
  const rawSeries = typeof found.series === "object" && found.series !== null ? (found.series as Record<string, unknown>) : {};
  const series: Record<string, SeriesPoint[]> = {};
  for (const [key, raw] of Object.entries(rawSeries)) {
    const read = points(raw);
    if (read.length) series[key] = read;
  }
  return {
    from: typeof found.from === "string" ? found.from : null,
    to: typeof found.to === "string" ? found.to : null,
    values: numbers(found),
    previous: typeof previous === "object" && previous !== null ? numbers(previous as Record<string, unknown>) : null,
    series,
    bucketDays: typeof found.bucket_days === "number" && found.bucket_days >= 1 ? found.bucket_days : 1,
  };
}

/** Whether any series has a figure other than 0 to draw: a workspace without activity
 * gets no flat chart. */
export function hasTrend(report: KpiReport): boolean {
  return Object.values(report.series).some((points) => points.some((point) => point.value !== null && point.value !== 0));
}

const whole = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const oneDecimal = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });

/** A duration in seconds as people say it: "45 s", "12 min", "5.2 h", "11.7 days". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${whole.format(seconds)} s`;
  if (seconds < 3600) return `${whole.format(seconds / 60)} min`;
  if (seconds < 86_400) return `${oneDecimal.format(seconds / 3600)} h`;
  const days = oneDecimal.format(seconds / 86_400);
  return `${days} ${days === "1" ? "day" : "days"}`;
}

export function formatKpi(value: number | null, format: KpiFormat): string {
  if (value === null) return "No data";
  switch (format) {
    case "count":
      return whole.format(value);
    case "money":
      return money.format(value);
    case "rate":
      return `${oneDecimal.format(value * 100)}%`;
    case "score":
      return oneDecimal.format(value);
    case "duration":
      return formatDuration(value);
    case "ratio":
      return `${oneDecimal.format(value)}×`;
  }
}

export type KpiChange = {
  /** "+12%" for counts and money, "+2.5 pts" for rates and scores. */
  text: string;
  direction: "up" | "down" | "flat";
  /** Whether the change is good news; null when flat, or neither. */
  good: boolean | null;
};

/** The change from the previous period, or null when either side has no data (or the
 * previous was 0, so that a relative change would mean nothing). */
export function kpiChange(current: number | null, previous: number | null, definition: KpiDefinition): KpiChange | null {
  if (current === null || previous === null) return null;
  const inPoints = definition.format === "rate" || definition.format === "score";
  let amount: number;
  if (inPoints) {
    amount = definition.format === "rate" ? (current - previous) * 100 : current - previous;
  } else {
    if (previous === 0) return null;
    amount = ((current - previous) / Math.abs(previous)) * 100;
  }
  const rounded = Math.round(amount * 10) / 10;
  if (rounded === 0) return { text: inPoints ? "0 pts" : "0%", direction: "flat", good: null };
  const direction = rounded > 0 ? "up" : "down";
  const sign = rounded > 0 ? "+" : "−";
  const size = oneDecimal.format(Math.abs(rounded));
  return {
    text: inPoints ? `${sign}${size} pts` : `${sign}${size}%`,
    direction,
    good: definition.better === "neither" ? null : (direction === "up") === (definition.better === "higher"),
  };
}

export function kpiDefinition(key: string): KpiDefinition | undefined {
  return KPIS.find((kpi) => kpi.key === key);
}
