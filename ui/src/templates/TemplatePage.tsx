import { Badge, Button, Card, Grid, Loader, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDeviceFloppy, IconTrash } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { flushSync } from "react-dom";
import { useNavigate, useParams } from "react-router";
import { fieldError, isNotFound } from "../api/errors";
import { useSession } from "../auth/session";
import { ConfirmAction } from "../ui/ConfirmAction";
import { LeaveGuard } from "../ui/LeaveGuard";
import { ReadOnlyNote } from "../shell/ReadOnlyNote";
import NotFoundPage from "../shell/NotFoundPage";
import { BackLink } from "../ui/BackLink";
import { channelLabel, channelNoun } from "../ui/channels";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant, timeAgo } from "../ui/format";
import { PageHeader } from "../ui/PageHeader";
import { deleteTemplate, saveTemplate, useDraftPreview, useTemplate, type Template } from "./api";
import { documentOf, draftOf, fieldsOf, partField, partText, problemText, withPart, type Draft } from "./draft";
import { LanguagePicker } from "./LanguagePicker";
import { LiquidEditor } from "./LiquidEditor";
import { TemplatePreview } from "./TemplatePreview";

export default function TemplatePage() {
  const key = useParams().key ?? "";
  const template = useTemplate(key);
  if (isNotFound(template.error)) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/templates">Templates</BackLink>
      {template.isError ? (
        <ErrorNotice error={template.error} title="Could not load the template" />
      ) : template.isPending ? (
        <Loader aria-label="Loading the template" />
      ) : (
        <TemplateEditor key={key} saved={template.data} />
      )}
    </>
  );
}

/** The template's parts edited as a draft, checked and previewed as one types, saved on demand. */
function TemplateEditor({ saved }: { saved: Template }) {
  const { can } = useSession();
  const editable = can("edit_content");
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>(() => draftOf(saved));
  const [profileId, setProfileId] = useState<string | null>(null);
  const [locale, setLocale] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [gone, setGone] = useState(false);
  const document = documentOf(draft);
  const dirty = JSON.stringify(document) !== JSON.stringify(documentOf(draftOf(saved)));
  const checked = useDraftPreview(saved.key, document, can("read_profiles") ? profileId : null, editable, locale);
  const problems = checked.data?.problems ?? [];

  const save = useMutation({
    mutationFn: () => saveTemplate(saved.key, document),
    onSuccess: async (answer) => {
      if (answer.held) {
        notifications.show({ color: "indigo", title: "Sent for review", message: "The change applies once someone approves it." });
        return;
      }
      queryClient.setQueryData(["templates", saved.key], answer.template);
      notifications.show({ color: "green", title: "Saved", message: "Journeys send this version from now on." });
      await queryClient.invalidateQueries({ queryKey: ["templates"], exact: true });
    },
  });

  async function remove() {
    await deleteTemplate(saved.key);
    queryClient.removeQueries({ queryKey: ["templates", saved.key] });
    await queryClient.invalidateQueries({ queryKey: ["templates"], exact: true });
    // Deleted: its unsaved changes have nothing left to be saved to.
    flushSync(() => setGone(true));
    void navigate("/templates");
  }

  return (
    <>
      <LeaveGuard active={dirty && editable && !gone} />
      <PageHeader
        title={saved.name || saved.key}
        description={
          <>
            <Text span ff="monospace" size="sm">
              {saved.key}
            </Text>{" "}
            · changed {timeAgo(saved.updated_at)} · created {formatInstant(saved.created_at)}
          </>
        }
        actions={
          <>
            <Badge size="lg" color="gray">
              {channelLabel(saved.channel)}
            </Badge>
            {editable ? (
              <>
                <Button variant="default" color="red" leftSection={<IconTrash size={16} aria-hidden />} onClick={() => setDeleting(true)}>
                  Delete
                </Button>
                <Button leftSection={<IconDeviceFloppy size={16} aria-hidden />} disabled={!dirty} loading={save.isPending} onClick={() => save.mutate()}>
                  Save
                </Button>
              </>
            ) : null}
          </>
        }
      />
      {!editable ? <ReadOnlyNote>Your role reads templates: changing them is for roles that edit content.</ReadOnlyNote> : null}
      <ErrorNotice error={save.error && !fieldError(save.error, "name") ? save.error : null} title="Could not save" />
      <Grid gap="lg" mt="sm">
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Card>
            <Title order={2} size="h4" mb={4}>
              Content
            </Title>
            <Text size="sm" c="gray.7" mb="md">
              Liquid reads <code>profile</code>, <code>event</code>, <code>journey</code> and <code>workspace</code>; mistakes show at their line as you type.
            </Text>
            <Stack gap="md">
              <TextInput
                label="Name"
                value={draft.name}
                readOnly={!editable}
                maxLength={200}
                error={fieldError(save.error, "name")}
                onChange={(event) => setDraft({ ...draft, name: event.currentTarget.value })}
              />
              <LanguagePicker draft={draft} locale={locale} onLocale={setLocale} onDraft={setDraft} problems={problems} editable={editable} />
              {fieldsOf(draft.channel).map((field) => {
                const mine = problems.filter((problem) => problem.part === partField(locale, field.part));
                const value = partText(draft, locale, field.part);
                const set = (text: string) => setDraft((current) => withPart(current, locale, field.part, text));
                const required = field.required && locale === null;
                return (
                  <Stack key={field.part} gap={4}>
                    {field.kind === "line" ? (
                      <TextInput
                        label={field.label}
                        required={required}
                        value={value}
                        readOnly={!editable}
                        error={mine.length ? mine.map(problemText).join("; ") : undefined}
                        onChange={(event) => set(event.currentTarget.value)}
                        data-testid={`template-${field.part}`}
                      />
                    ) : (
                      <>
                        <LiquidEditor
                          label={field.label}
                          required={required}
                          description={locale ? `In ${locale}; left empty, the default's is sent.` : field.hint}
                          value={value}
                          onChange={set}
                          problems={mine}
                          checked={checked.data ? partText(checked.data.sent, locale, field.part) : undefined}
                          readOnly={!editable}
                          minHeight={field.part === "html" ? 220 : 100}
                          testId={`template-${field.part}`}
                        />
                        {mine.map((problem) => (
                          <Text key={`${problem.line}:${problem.column}:${problem.message}`} size="sm" c="red.8" data-testid="template-problem">
                            {problemText(problem)}
                          </Text>
                        ))}
                      </>
                    )}
                  </Stack>
                );
              })}
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <TemplatePreview channel={draft.channel} checked={checked} profileId={profileId} onProfile={setProfileId} />
        </Grid.Col>
      </Grid>
      <ConfirmAction
        opened={deleting}
        title={`Delete the ${channelNoun(saved.channel)} “${saved.name || saved.key}”?`}
        confirmLabel="Delete"
        color="red"
        onConfirm={remove}
        onClose={() => setDeleting(false)}
      >
        <Text size="sm">Journeys that send it must stop sending it first: Baton refuses to delete a template a journey uses.</Text>
      </ConfirmAction>
    </>
  );
}
