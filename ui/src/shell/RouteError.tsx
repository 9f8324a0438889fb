import { Box, Button, Card, Center, Code, Stack, Text, Title } from "@mantine/core";
import { IconRefresh } from "@tabler/icons-react";
import { isRouteErrorResponse, useRouteError } from "react-router";
import { ApiError, readable } from "../api/errors";
import { ErrorNotice } from "../ui/ErrorNotice";

/** A page's chunk that the server no longer has: the browser's words for a failed
 * `import()` (Chromium, Firefox, Safari) and Vite's for a failed preload. */
const STALE_CHUNK = /dynamically imported module|importing a module script failed|unable to preload css/i;

export function isStaleChunk(error: unknown): boolean {
  return error instanceof Error && STALE_CHUNK.test(error.message);
}

type Explained = { title: string; message: string; detail: string | null };

function explain(error: unknown): Explained {
  if (isStaleChunk(error)) {
    return {
      title: "Baton was updated",
      message: "A newer version of Baton was deployed since this page was opened. Reload to use it.",
      detail: null,
    };
  }
  if (isRouteErrorResponse(error)) {
    return { title: "This page could not be shown", message: `The page answered ${error.status} ${error.statusText}.`, detail: null };
  }
  if (error instanceof ApiError) return { title: "This page could not be shown", message: readable(error), detail: null };
  return {
    title: "This page could not be shown",
    message: "Something went wrong while showing this page. Reload to try again; if it happens again, tell your administrator.",
    detail: error instanceof Error ? error.message : null,
  };
}

/** What a route shows, instead of a blank or developer page, when its page throws while
 * rendering or its chunk fails to load. Inside the shell, the navigation stays. */
export function RouteError({ fullPage = false }: { fullPage?: boolean }) {
  const { title, message, detail } = explain(useRouteError());
  const content = (
    <Center mih="60vh" p="md">
      <Card maw={520} w="100%" p="xl">
        <Stack gap="md">
          <Title order={1} size="h2">
            {title}
          </Title>
          <ErrorNotice error={message} title="What happened" />
          {detail ? (
            <Text size="xs" c="dimmed">
              Details: <Code>{detail}</Code>
            </Text>
          ) : null}
          <Box>
            <Button leftSection={<IconRefresh size={16} aria-hidden />} onClick={() => window.location.reload()}>
              Reload
            </Button>
          </Box>
        </Stack>
      </Card>
    </Center>
  );
  return fullPage ? <main>{content}</main> : content;
}
