import { Select } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { channelLabel } from "../ui/channels";
import { KEY_RULE } from "../ui/keys";
import { NewItemModal } from "../ui/NewItemModal";
import { getTemplate, saveTemplate } from "./api";
import { NEW_CHANNELS, starterDraft } from "./draft";

/** Names a new template and its channel, saves a first version to start from, and opens it. */
export function NewTemplateModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [channel, setChannel] = useState<string>("email");

  async function create(key: string, name: string) {
    const saved = await saveTemplate(key, starterDraft(channel, name));
    await queryClient.invalidateQueries({ queryKey: ["templates"], exact: true });
    if (saved.held) {
      notifications.show({ color: "indigo", title: "Sent for review", message: "The template exists once someone approves it." });
      onClose();
    } else void navigate(`/templates/${encodeURIComponent(key)}`);
  }

  return (
    <NewItemModal
      opened={opened}
      onClose={onClose}
      noun="template"
      namePlaceholder="Order shipped"
      keyDescription="How journeys and the API name it. It cannot change later."
      rule={KEY_RULE}
      find={getTemplate}
      onFree={create}
      submitLabel="Create"
    >
      <Select
        label="Channel"
        required
        allowDeselect={false}
        value={channel}
        onChange={(chosen) => chosen && setChannel(chosen)}
        data={NEW_CHANNELS.map((name) => ({ value: name, label: channelLabel(name) }))}
      />
    </NewItemModal>
  );
}
