import { Button, Checkbox, Group, Modal, NumberInput, Stack, Switch, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { fieldError } from "../api/errors";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Loading } from "../ui/Loading";
import { spaced } from "../ui/text";
import { getTemplate, installTemplate, type TemplateParameter, type TemplateSummary } from "./api";
import { journeyKeys } from "./queries";
import { TemplateText } from "./TemplateText";

type Values = Record<string, unknown>;

/** One input per parameter, of the kind its default value is. */
function ParameterInput({ name, parameter, value, error, onChange }: { name: string; parameter: TemplateParameter; value: unknown; error?: string; onChange: (value: unknown) => void }) {
  const common = { label: spaced(name), description: parameter.description, error };
  if (typeof parameter.default === "boolean") {
    return <Switch {...common} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />;
  }
  if (typeof parameter.default === "number") {
    return (
      <NumberInput
        {...common}
        value={typeof value === "number" ? value : ""}
        allowDecimal={!Number.isInteger(parameter.default)}
        onChange={(next) => onChange(typeof next === "number" ? next : null)}
        required
      />
    );
  }
  return <TextInput {...common} value={String(value ?? "")} onChange={(e) => onChange(e.currentTarget.value)} required />;
}

function InstallForm({ template, onClose }: { template: TemplateSummary; onClose: () => void }) {
  const { can } = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const detail = useQuery({ queryKey: ["journey-templates", template.name], queryFn: () => getTemplate(template.name) });
  const [values, setValues] = useState<Values | null>(null);
  const [publish, setPublish] = useState(can("publish"));
  const defaults: Values = Object.fromEntries(Object.entries(detail.data?.parameters ?? {}).map(([name, p]) => [name, p.default]));
  const shown = values ?? defaults;
  const install = useMutation({
    mutationFn: () => installTemplate(template.name, shown, publish),
    onSuccess: (done) => {
      void client.invalidateQueries({ queryKey: journeyKeys.list });
      const journeys = done.installed.filter((part) => part.kind === "journey");
      notifications.show({
        color: "green",
        title: `${template.title} installed`,
        message: `${done.installed.length} parts added or updated${publish ? ", journeys published" : ", journeys saved as drafts"}.`,
      });
      onClose();
      if (journeys[0]) navigate(`/journeys/${encodeURIComponent(journeys[0].key)}`);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    install.mutate();
  }

  if (detail.isPending) {
    return (
      <Loading />
    );
  }
  if (detail.error) return <ErrorNotice error={detail.error} title="Could not load the template" />;
  const parameters = Object.entries(detail.data.parameters);
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm">
          <TemplateText text={template.description} />
        </Text>
        {parameters.length === 0 ? (
          <Text size="sm" c="dimmed">
            This template has no settings.
          </Text>
        ) : null}
        {parameters.map(([name, parameter]) => (
          <ParameterInput
            key={name}
            name={name}
            parameter={parameter}
            value={shown[name]}
            error={fieldError(install.error, `parameters.${name}`)}
            onChange={(value) => setValues({ ...shown, [name]: value })}
          />
        ))}
        <Checkbox
          label="Publish the journeys right away"
          description="Otherwise they are saved as drafts for you to review and publish."
          checked={publish}
          onChange={(e) => setPublish(e.currentTarget.checked)}
          error={fieldError(install.error, "publish")}
        />
        <ErrorNotice error={install.error} title="Could not install" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={install.isPending}>
            Install
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The settings of a ready journey, asked for before installing it. */
export function InstallTemplateModal({ template, onClose }: { template: TemplateSummary | null; onClose: () => void }) {
  return (
    <Modal opened={template !== null} onClose={onClose} title={template ? `Install “${template.title}”` : ""} size="lg">
      {template ? <InstallForm key={template.name} template={template} onClose={onClose} /> : null}
    </Modal>
  );
}
