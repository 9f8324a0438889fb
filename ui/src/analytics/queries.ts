import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { readKpis } from "./kpis";
import { periodBounds } from "./period";

/** The KPIs of the last `days` days, with the previous period and a series per day
 * (`trend`) where the server has them. */
export function useKpis(days: number, enabled = true) {
  return useQuery({
    queryKey: ["kpis", days],
    queryFn: async () => {
      const query = { ...periodBounds(days), trend: true };
      return readKpis(await unwrap(api.GET("/api/v1/kpis", { params: { query } })));
    },
    enabled,
    staleTime: 60_000,
  });
}
