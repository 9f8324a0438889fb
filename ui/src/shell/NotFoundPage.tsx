import { Button, Card, Center, Code, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { IconCompass } from "@tabler/icons-react";
import { Link, useLocation } from "react-router";

export default function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <Center mih="60vh">
      <Card maw={460} w="100%" p="xl">
        <Stack align="center" gap="sm" ta="center">
          <ThemeIcon size={56} radius="xl" variant="light" color="indigo">
            <IconCompass size={30} aria-hidden />
          </ThemeIcon>
          <Title order={1} size="h2">
            Page not found
          </Title>
          <Text c="dimmed" size="sm">
            Nothing in Baton lives at <Code>{pathname}</Code>. The link may be old, or the item may have been deleted or
            belong to another workspace.
          </Text>
          <Button component={Link} to="/" mt="sm">
            Go to Home
          </Button>
        </Stack>
      </Card>
    </Center>
  );
}
