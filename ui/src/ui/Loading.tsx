import { Center, Loader } from "@mantine/core";

/** A spinner where a page or a section will show once its answer comes. */
export function Loading({ label = "Loading", h }: { label?: string; h?: string }) {
  return (
    <Center py="xl" h={h}>
      <Loader aria-label={label} />
    </Center>
  );
}
