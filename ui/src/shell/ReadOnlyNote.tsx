import { Alert } from "@mantine/core";
import { IconInfoCircle } from "@tabler/icons-react";
import type { ReactNode } from "react";

/** Says plainly that a page shows, and does not yet change, what it lists. */
export function ReadOnlyNote({ children }: { children: ReactNode }) {
  return (
    <Alert variant="light" color="indigo" icon={<IconInfoCircle size={18} aria-hidden />} mb="lg" py="xs">
      {children}
    </Alert>
  );
}
