import { Button, Group, Modal, Text } from "@mantine/core";
import { useCallback, useEffect } from "react";
import { useBlocker, type BlockerFunction } from "react-router";

/** While `active`, asks before leaving the page: closing or reloading the tab (the browser
 * asks), and any navigation of the console to another page, by a link, back or forward
 * (this modal asks). Changing only the address's query stays on the page. */
export function LeaveGuard({ active }: { active: boolean }) {
  const leavesPage = useCallback<BlockerFunction>(
    ({ currentLocation, nextLocation }) => active && currentLocation.pathname !== nextLocation.pathname,
    [active],
  );
  const blocker = useBlocker(leavesPage);
  const held = blocker.state === "blocked";

  useEffect(() => {
    if (!active) return;
    const beforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", beforeUnload);
    return () => window.removeEventListener("beforeunload", beforeUnload);
  }, [active]);

  // Saved while the question was open: nothing is lost any more.
  useEffect(() => {
    if (held && !active) blocker.reset();
  }, [held, active, blocker]);

  const stay = () => blocker.reset?.();
  return (
    <Modal opened={held} onClose={stay} title="Leave without saving?">
      <Text size="sm">Your changes on this page are not saved yet. If you leave now, they are lost.</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={stay} data-autofocus>
          Stay here
        </Button>
        <Button color="red" onClick={() => blocker.proceed?.()}>
          Leave and lose changes
        </Button>
      </Group>
    </Modal>
  );
}
