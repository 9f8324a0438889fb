import { Button, Group, Modal, Text } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";

/** The in-app link a click on `event` would follow to another page, if it is one this page may hold back. */
export function heldLink(event: MouseEvent): string | null {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const anchor = (event.target as Element | null)?.closest?.("a[href]");
  if (!(anchor instanceof HTMLAnchorElement) || (anchor.target && anchor.target !== "_self") || anchor.hasAttribute("download")) return null;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return null;
  return url.pathname + url.search + url.hash;
}

/** While `active`, asks before leaving the page: closing or reloading the tab (the browser
 * asks), and following a link of the console (this modal asks). */
export function LeaveGuard({ active }: { active: boolean }) {
  const navigate = useNavigate();
  const [wanted, setWanted] = useState<string | null>(null);
  const leaving = useRef(false);

  useEffect(() => {
    if (!active) return;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    // Capturing on the document runs before React Router's links see the click.
    const click = (event: MouseEvent) => {
      const to = leaving.current ? null : heldLink(event);
      if (to === null) return;
      event.preventDefault();
      setWanted(to);
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", click, true);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", click, true);
    };
  }, [active]);

  function leave() {
    if (wanted === null) return;
    leaving.current = true;
    setWanted(null);
    navigate(wanted);
  }

  return (
    <Modal opened={wanted !== null} onClose={() => setWanted(null)} title="Leave without saving?">
      <Text size="sm">Your changes to this journey are not saved yet. If you leave now, they are lost.</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={() => setWanted(null)} data-autofocus>
          Stay here
        </Button>
        <Button color="red" onClick={leave}>
          Leave and lose changes
        </Button>
      </Group>
    </Modal>
  );
}
