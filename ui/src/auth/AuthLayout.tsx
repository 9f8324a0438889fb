import { Center, Paper, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { BrandMark } from "../shell/BrandMark";
import classes from "./AuthLayout.module.css";

/** The frame of the pages used before signing in: the brand, a card, and its title. */
export function AuthLayout({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <Center component="main" className={classes.page} p="md">
      <Stack w={420} maw="100%" gap="lg">
        <div className={classes.brand}>
          <BrandMark size={36} />
          <span>Baton</span>
        </div>
        <Paper withBorder shadow="sm" p="xl" radius="lg">
          <Stack gap="lg">
            <div>
              <Title order={1} fz="1.375rem">
                {title}
              </Title>
              {description ? (
                <Text c="dimmed" size="sm" mt={4}>
                  {description}
                </Text>
              ) : null}
            </div>
            {children}
          </Stack>
        </Paper>
        <Text size="xs" c="dimmed" ta="center">
          Customer journeys, profiles and results in one place.
        </Text>
      </Stack>
    </Center>
  );
}
