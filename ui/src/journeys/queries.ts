/** The query keys of the journey pages, so that a change refreshes what shows it. */
export const journeyKeys = {
  list: ["journeys", "list"] as const,
  one: (key: string) => ["journeys", "one", key] as const,
  review: (key: string) => ["journeys", "one", key, "review"] as const,
  versions: (key: string) => ["journeys", "one", key, "versions"] as const,
  version: (key: string, version: number) => ["journeys", "one", key, "versions", version] as const,
  stats: (key: string) => ["journeys", "one", key, "stats"] as const,
  people: (key: string, node: string) => ["journeys", "one", key, "people", node] as const,
};
