import { yaml } from "@codemirror/lang-yaml";
import { Alert, Badge, Box, Button, Card, Checkbox, Group, SegmentedControl, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconSend } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { ApiError, isNotFound, readable } from "../api/errors";
import { fieldLines, isRecord, parseYamlValue, valueToYaml } from "../journeys/definition";
import NotFoundPage from "../shell/NotFoundPage";
import { BackLink } from "../ui/BackLink";
import { CodeBox } from "../ui/CodeBox";
import { ConfirmAction } from "../ui/ConfirmAction";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatInstant, timeAgo } from "../ui/format";
import { LeaveGuard } from "../ui/LeaveGuard";
import { Loading } from "../ui/Loading";
import { LoadMore } from "../ui/LoadMore";
import { PageHeader } from "../ui/PageHeader";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
import {
  forwards,
  KIND_LABELS,
  starter,
  useDeleteDestination,
  useDeliveries,
  useDestination,
  useReplay,
  useSaveDestination,
  useTestDestination,
  type Destination,
  type DeliveryStatus,
  type Kind,
  type Settings,
} from "./destinations";

const YAML = [yaml()];
const KINDS = new Set<string>(["webhook", "crm", "audience"]);

/** One destination: its settings as YAML (secrets masked: left as they are, they stay),
 * a test request, and its deliveries with the dead letters to replay. `?new=KIND` opens
 * the starter of a new one. */
export default function DestinationPage() {
  const key = useParams().key ?? "";
  const [params] = useSearchParams();
  const typed: unknown = useLocation().state;
  const name = isRecord(typed) && typeof typed.name === "string" ? typed.name : "";
  const found = useDestination(key);
  const asked = params.get("new");
  const creating = asked !== null && KINDS.has(asked) && isNotFound(found.error);
  if (isNotFound(found.error) && !creating) return <NotFoundPage />;
  return (
    <>
      <BackLink to="/integrations?tab=destinations">Integrations</BackLink>
      {creating ? (
        <>
          <PageHeader title={key} description={`New ${KIND_LABELS[asked as Kind].toLowerCase()} destination, not saved yet.`} />
          <SettingsCard destinationKey={key} initial={starter(asked as Kind, name)} saved={false} />
        </>
      ) : found.isError ? (
        <ErrorNotice error={found.error} title="Could not load the destination" />
      ) : found.isPending ? (
        <Loading h="50vh" label="Loading the destination" />
      ) : (
        <Loaded destination={found.data} />
      )}
    </>
  );
}

function Loaded({ destination }: { destination: Destination }) {
  const navigate = useNavigate();
  const test = useTestDestination(destination.key);
  const remove = useDeleteDestination();
  const [deleting, setDeleting] = useState(false);
  const initial = useMemo(() => valueToYaml(destination.settings), [destination.settings]);
  return (
    <>
      <PageHeader
        title={destination.settings.name || destination.key}
        description={`${KIND_LABELS[destination.kind]} · ${forwards(destination)} · saved ${timeAgo(destination.updated_at)}`}
        actions={
          <>
            <Button variant="default" leftSection={<IconSend size={16} aria-hidden />} loading={test.isPending} onClick={() => test.mutate()}>
              Send a test
            </Button>
            <Button variant="subtle" color="red" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          </>
        }
      />
      <Stack gap="lg">
        <ErrorNotice error={test.error} title="Could not send the test" />
        {test.data ? (
          <Alert color={test.data.status === "delivered" ? "teal" : "red"} variant="light" title={`Test: ${test.data.status}`} role="status" data-testid="destination-test">
            {test.data.detail ?? "The request was answered."}
          </Alert>
        ) : null}
        {destination.last_run ? (
          <Card>
            <Title order={2} size="h4" mb="xs">
              Last run
            </Title>
            <Text size="xs" ff="monospace" style={{ whiteSpace: "pre-wrap" }}>
              {valueToYaml(destination.last_run).trim()}
            </Text>
            {destination.next_run_at ? (
              <Text size="xs" c="dimmed" mt="xs">
                Next run {formatInstant(destination.next_run_at)}
              </Text>
            ) : null}
          </Card>
        ) : null}
        <SettingsCard key={initial} destinationKey={destination.key} initial={initial} saved />
        {destination.kind === "audience" ? null : <Deliveries destinationKey={destination.key} />}
      </Stack>
      <ConfirmAction
        opened={deleting}
        title="Delete this destination?"
        confirmLabel="Delete"
        color="red"
        onConfirm={async () => {
          await remove.mutateAsync(destination.key);
          notifications.show({ color: "green", message: `Deleted ${destination.key}.` });
          void navigate("/integrations?tab=destinations");
        }}
        onClose={() => setDeleting(false)}
      >
        <Text size="sm">What it had yet to send is dropped with it.</Text>
      </ConfirmAction>
    </>
  );
}

/** The settings as YAML, saved with a PUT; the API names the field at fault. */
function SettingsCard({ destinationKey, initial, saved }: { destinationKey: string; initial: string; saved: boolean }) {
  const save = useSaveDestination();
  const [, setParams] = useSearchParams();
  const [text, setText] = useState(initial);
  const { value, error } = parseYamlValue(text);
  const settings = !error && isRecord(value) ? (value as Settings) : null;
  const dirty = !saved || text !== initial;
  const field = save.error instanceof ApiError ? save.error.field : null;
  const line = field ? fieldLines(text, [field])[0] : null;

  async function submit() {
    if (!settings) return;
    const stored = await save.mutateAsync({ key: destinationKey, settings }).catch(() => null);
    if (!stored) return;
    notifications.show({ color: "green", message: `Saved ${stored.key}.` });
    if (!saved) setParams({}, { replace: true });
  }

  return (
    <Card>
      <LeaveGuard active={dirty} />
      <Group justify="space-between" align="flex-start" mb="sm">
        <div>
          <Title order={2} size="h4">
            Settings
          </Title>
          <Text size="sm" c="dimmed" maw={720}>
            As code. A secret shows as {"********"}: left so, it stays; a new URL needs its secret again. A webhook's secret is made for you when none is given.
          </Text>
        </div>
        <Button onClick={() => void submit()} loading={save.isPending} disabled={!dirty || !settings} data-testid="save-destination">
          Save
        </Button>
      </Group>
      {error ? (
        <Text size="sm" c="red.8" mb="xs" role="alert">
          {error.line ? `Line ${error.line}: ` : ""}
          {error.message}
        </Text>
      ) : !settings ? (
        <Text size="sm" c="red.8" mb="xs" role="alert">
          The settings are a mapping of fields, starting with kind:
        </Text>
      ) : save.error ? (
        <Text size="sm" c="red.8" mb="xs" role="alert">
          {line ? `Line ${line}: ` : ""}
          {readable(save.error)}
        </Text>
      ) : null}
      <CodeBox value={text} onChange={setText} editable label={`Settings of the destination ${destinationKey}`} extensions={YAML} minHeight="180px" testId="destination-yaml" />
    </Card>
  );
}

const FILTERS: { value: string; label: string }[] = [
  { value: "all", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "delivered", label: "Delivered" },
  { value: "dead", label: "Dead letters" },
];
const STATUS_COLOR: Record<DeliveryStatus, string> = { pending: "blue", delivered: "teal", dead: "red" };

/** Its deliveries, newest first, a page at a time; dead letters chosen (or all) sent again. */
function Deliveries({ destinationKey }: { destinationKey: string }) {
  const [filter, setFilter] = useState("all");
  const status = filter === "all" ? null : (filter as DeliveryStatus);
  const deliveries = useDeliveries(destinationKey, status);
  const replay = useReplay(destinationKey);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [asked, setAsked] = useState<"chosen" | "all" | null>(null);

  function toggle(id: string, on: boolean) {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  }

  async function send(ids: string[] | null) {
    const { replayed } = await replay.mutateAsync(ids);
    setChosen(new Set());
    notifications.show({ color: "green", message: `${formatCount(replayed)} ${replayed === 1 ? "delivery goes" : "deliveries go"} out again.` });
  }

  return (
    <TableCard title="Deliveries" description="Each request, newest first. A request that failed every attempt is a dead letter; replayed, it keeps its id, so the receiver can tell a repeat.">
      <TableCardNote>
        <Group justify="space-between">
          <SegmentedControl aria-label="Which deliveries" value={filter} onChange={(value) => { setFilter(value); setChosen(new Set()); }} data={FILTERS} data-testid="delivery-filter" />
          <Group gap="xs">
            <Button variant="default" disabled={chosen.size === 0} onClick={() => setAsked("chosen")}>
              Replay chosen ({chosen.size})
            </Button>
            <Button variant="default" onClick={() => setAsked("all")}>
              Replay all dead letters
            </Button>
          </Group>
        </Group>
      </TableCardNote>
      {deliveries.isError ? (
        <TableCardNote>
          <ErrorNotice error={deliveries.error} title="Could not load the deliveries" />
        </TableCardNote>
      ) : deliveries.isPending ? (
        <Loading label="Loading the deliveries" />
      ) : !deliveries.items.length ? (
        <TableCardNote>
          <Text size="sm" c="dimmed">
            {status === "dead" ? "No dead letter: every request got through or is still being tried." : "Nothing sent yet."}
          </Text>
        </TableCardNote>
      ) : (
        <Table.ScrollContainer minWidth={760} type="native" tabIndex={0} role="region" aria-label="Deliveries">
          <Table verticalSpacing="xs" data-testid="deliveries">
            <TableHead edge columns={[{ label: "Choose", w: "70px" }, "Status", { label: "Items", right: true }, { label: "Attempts", right: true }, "Made", "Last error"]} />
            <Table.Tbody>
              {deliveries.items.map((item) => (
                <Table.Tr key={item.id}>
                  <Table.Td pl="lg">
                    {item.status === "dead" ? (
                      <Checkbox aria-label={`Choose the delivery made ${formatInstant(item.created_at)}`} checked={chosen.has(item.id)} onChange={(e) => toggle(item.id, e.currentTarget.checked)} />
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[item.status]} variant="light">
                      {item.status === "dead" ? "Dead letter" : item.status === "pending" ? "Pending" : "Delivered"}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{formatCount(item.items)}</Table.Td>
                  <Table.Td ta="right">{formatCount(item.attempts)}</Table.Td>
                  <Table.Td>
                    <Text size="sm" title={formatInstant(item.created_at)}>
                      {timeAgo(item.created_at)}
                    </Text>
                  </Table.Td>
                  <Table.Td pr="lg" maw={360}>
                    <Text size="xs" c={item.last_error ? "red.8" : "dimmed"} lineClamp={2} title={item.last_error ?? undefined}>
                      {item.last_error ?? "–"}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Box pb={deliveries.hasNextPage ? "md" : undefined}>
        <LoadMore list={deliveries} />
      </Box>
      <ConfirmAction
        opened={asked !== null}
        title={asked === "chosen" ? `Replay ${chosen.size === 1 ? "this dead letter" : `these ${chosen.size} dead letters`}?` : "Replay every dead letter?"}
        confirmLabel="Replay"
        onConfirm={() => send(asked === "chosen" ? [...chosen] : null)}
        onClose={() => setAsked(null)}
      >
        <Text size="sm">
          {asked === "all" ? "Every dead letter of this destination, shown here or not, goes" : "They go"} out again, each with its own id, and are tried as many times as a new request.
        </Text>
      </ConfirmAction>
    </TableCard>
  );
}
