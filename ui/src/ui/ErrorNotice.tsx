import { Alert } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { readable } from "../api/errors";

/** An API error as a sentence, next to what caused it. */
export function ErrorNotice({ error, title = "Something went wrong" }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlertTriangle size={18} />} role="alert">
      {readable(error)}
    </Alert>
  );
}
