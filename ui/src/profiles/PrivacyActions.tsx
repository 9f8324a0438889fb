import { Button, Checkbox, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconDownload, IconTrash } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmAction } from "../ui/ConfirmAction";
import { ErrorNotice } from "../ui/ErrorNotice";
import { eraseProfile, exportProfile, type ErasureReceipt, type Profile } from "./api";
import { emailOf } from "./person";

/** What the person erasing must type: the e-mail when there is one, else the id. */
function confirmationWord(profile: Pick<Profile, "id" | "traits" | "identifiers">): string {
  return emailOf(profile) ?? profile.id;
}

function download(name: string, content: unknown): void {
  const blob = new Blob([JSON.stringify(content, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

function EraseModal({ profile, opened, onClose, onErased }: { profile: Profile; opened: boolean; onClose: () => void; onErased: (receipt: ErasureReceipt) => void }) {
  const [typed, setTyped] = useState("");
  const [suppress, setSuppress] = useState(false);
  const word = confirmationWord(profile);
  const matches = typed.trim().toLowerCase() === word.toLowerCase();
  const erase = useMutation({ mutationFn: () => eraseProfile(profile.id, suppress), onSuccess: onErased });
  return (
    <Modal opened={opened} onClose={onClose} title="Erase this person" centered closeButtonProps={{ "aria-label": "Close" }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (matches) erase.mutate();
        }}
      >
        <Stack gap="md">
          <Text size="sm">
            Everything Baton holds about this person is deleted for good: the profile and the profiles merged into it, identifiers,
            events, journeys, messages and consent. Only a receipt without personal data is kept.
          </Text>
          <Checkbox
            checked={suppress}
            onChange={(e) => setSuppress(e.currentTarget.checked)}
            label="Never profile them again (drop future events carrying their identifiers)"
          />
          <TextInput
            label={`Type ${word} to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            data-autofocus
          />
          <ErrorNotice error={erase.error} title="The person was not erased" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" disabled={!matches} loading={erase.isPending}>
              Erase for good
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Export and erasure, offered only to people allowed to manage privacy. */
export function PrivacyActions({ profile, onErased }: { profile: Profile; onErased: (receipt: ErasureReceipt) => void }) {
  const [erasing, { open, close }] = useDisclosure(false);
  const [exporting, exportAsked] = useDisclosure(false);
  async function exportData() {
    download(`baton-profile-${profile.id}.json`, await exportProfile(profile.id));
  }
  return (
    <>
      <Button variant="default" leftSection={<IconDownload size={16} />} onClick={exportAsked.open}>
        Export data
      </Button>
      <ConfirmAction opened={exporting} title="Export this person's data?" confirmLabel="Download export" onConfirm={exportData} onClose={exportAsked.close}>
        <Text size="sm">
          Everything Baton holds about {emailOf(profile) ?? "this person"} downloads as one JSON file: the profile and the profiles
          merged into it, identifiers, traits, events, journeys, messages and consent. Keep it safe: it is their personal data.
        </Text>
        <Text size="sm">The export is recorded in the audit log under your name.</Text>
      </ConfirmAction>
      <Button color="red" variant="light" leftSection={<IconTrash size={16} />} onClick={open}>
        Erase
      </Button>
      {erasing ? <EraseModal profile={profile} opened={erasing} onClose={close} onErased={onErased} /> : null}
    </>
  );
}
