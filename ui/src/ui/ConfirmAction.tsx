import { Button, Group, Modal, Stack } from "@mantine/core";
import { useState, type ReactNode } from "react";
import { ErrorNotice } from "../ui/ErrorNotice";

type Props = {
  opened: boolean;
  title: string;
  confirmLabel: string;
  color?: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
  children: ReactNode;
};

/** Asks before a change that affects customers; the API's refusal shows in place. */
export function ConfirmAction({ opened, title, confirmLabel, color, onConfirm, onClose, children }: Props) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  function close() {
    setFailure(null);
    onClose();
  }

  async function confirm() {
    setBusy(true);
    setFailure(null);
    try {
      await onConfirm();
      onClose();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={opened} onClose={close} title={title}>
      <Stack>
        {children}
        <ErrorNotice error={failure} title={`Could not ${confirmLabel.toLowerCase()}`} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color={color} loading={busy} onClick={() => void confirm()}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
