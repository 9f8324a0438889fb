import { useAddress } from "../ui/address";

export const PERIODS = [7, 30, 90] as const;
export type PeriodDays = (typeof PERIODS)[number];

/** The period of `?period=` (7, 30 or 90 days; 30 otherwise), kept in the address so
 * that a link shows the same figures. */
export function usePeriod(): [PeriodDays, (days: PeriodDays) => void] {
  const [params, change] = useAddress();
  const asked = Number(params.get("period"));
  const days = (PERIODS as readonly number[]).includes(asked) ? (asked as PeriodDays) : 30;
  return [days, (next) => change({ period: String(next) })];
}

/** The last `days` days up to now, as the API's `from` and `to`. */
export function periodBounds(days: number, now = new Date()): { from: string; to: string } {
  return { from: new Date(now.getTime() - days * 86_400_000).toISOString(), to: now.toISOString() };
}
