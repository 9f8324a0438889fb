import { Text } from "@mantine/core";
import { ApiError, readable } from "../api/errors";

/** An error of the form's request that none of its inputs shows: the API named another
 * field than `shownAt`, or none. */
export function FormError({ error, shownAt }: { error: unknown; shownAt: readonly string[] }) {
  if (!error || (error instanceof ApiError && error.field !== null && shownAt.includes(error.field))) return null;
  return (
    <Text c="red.8" size="sm" role="alert">
      {readable(error)}
    </Text>
  );
}
