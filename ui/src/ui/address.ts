import { useSearchParams } from "react-router";

type Change = Record<string, string | readonly string[] | null>;

/** What a page was asked for (a tab, a period, a funnel's steps), kept in the address so
 * that a link shows the same thing: the search parameters, and a way to change some (a
 * list repeats the parameter, null removes it) without adding a history entry. */
export function useAddress(): [URLSearchParams, (change: Change) => void] {
  const [params, setParams] = useSearchParams();
  function change(values: Change) {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [name, value] of Object.entries(values)) {
          next.delete(name);
          if (typeof value === "string") next.set(name, value);
          else if (value !== null) for (const item of value) next.append(name, item);
        }
        return next;
      },
      { replace: true },
    );
  }
  return [params, change];
}

/** A parameter if it is one of `allowed`, else the first of them. */
export function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value ?? "") ? (value as T) : fallback;
}
