import { Button, Group, NumberInput, SegmentedControl, Stack, TagsInput, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { isRecord, type JourneyNode } from "../definition";
import { DurationField, TextField, YamlField, problemAt } from "./fields";
import { Item, text, yaml, type StepFormProps } from "./formKit";
import { field, listOf, newOffer, textOr, type DecideNode } from "./model";
import { fromPercent, toPercent } from "./percent";

type ArmList = keyof Pick<DecideNode, "offers" | "levels">;

/** A decide node (next best action): its offers or price levels, what the bandit sees,
 * its holdout and reward window, and the pricing guardrails. */
export function DecideForm(props: StepFormProps) {
  const { id, node, problems, set, replace } = props;
  const list: ArmList = Array.isArray(node.levels) && !Array.isArray(node.offers) ? "levels" : "offers";
  const arms = listOf(node[list]);
  const context = listOf(node.context).filter((t): t is string => typeof t === "string");
  const error = (path: string) => problemAt(problems, `nodes.${id}.${path}`);
  const number = (path: string, optional = true) => ({
    value: typeof at(node, path) === "number" ? (at(node, path) as number) : "",
    onChange: (value: number | string) => {
      if (typeof value === "number") set(path, value);
      else if (value === "" && optional) set(path, undefined);
    },
    error: error(path),
  });

  function switchList(next: string) {
    if (next === list) return;
    const moved = arms.map((arm, i) => {
      if (!isRecord(arm)) return arm;
      if (next === "levels") return { key: arm.key, level: (i + 1) * 10, ...arm };
      const { level: _level, ...offer } = arm;
      return offer;
    });
    const renamed = Object.entries(node).flatMap(([key, value]): [string, unknown][] => {
      if (key === list) return [[next, moved]];
      // Guardrails apply to price levels only.
      return (key === "max_level" || key === "min_margin") && next === "offers" ? [] : [[key, value]];
    });
    replace(Object.fromEntries(renamed) as JourneyNode);
  }

  function setCap(i: number, count: number | string, per: unknown) {
    const path = `${list}.${i}.cap`;
    if (typeof count !== "number") set(path, undefined);
    else set(path, typeof per === "string" && per !== "" ? { count, per } : { count });
  }

  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label="Choose between"
        value={list}
        onChange={switchList}
        data={[
          { value: "offers", label: "Offers" },
          { value: "levels", label: "Price levels" },
        ]}
        data-testid="field-decide-kind"
      />
      <Text size="sm" c="gray.7">
        Each person gets the {list === "offers" ? "offer" : "level"} expected to earn the most for people like them: its chance to reach the goal × value − cost.
      </Text>
      {error(list) && !arms.some((_, i) => error(`${list}.${i}`)) ? (
        <Text size="xs" c="red.8">
          {error(list)}
        </Text>
      ) : null}
      {arms.map((arm, i) => {
        const cap = field(arm, "cap");
        const per = field(cap, "per");
        return (
          <Item
            key={i}
            title={`${list === "offers" ? "Offer" : "Level"} ${textOr(field(arm, "key"), String(i + 1)) || i + 1}`}
            onRemove={arms.length > 2 ? () => set(list, arms.filter((_, j) => j !== i)) : undefined}
          >
            <Group grow align="flex-start">
              <TextField label="Key" value={field(arm, "key")} onChange={(value) => set(`${list}.${i}.key`, value)} error={error(`${list}.${i}.key`)} />
              {list === "levels" ? <NumberInput label="Price or discount" {...number(`${list}.${i}.level`, false)} /> : null}
            </Group>
            <Group grow align="flex-start">
              <NumberInput label="Value of a conversion" min={0} decimalScale={2} {...number(`${list}.${i}.value`, false)} />
              <NumberInput label="Cost of giving it" min={0} decimalScale={2} placeholder="0" {...number(`${list}.${i}.cost`)} />
            </Group>
            <Group grow align="flex-start">
              <NumberInput
                label="Cap (optional)"
                description="At most this many"
                min={1}
                allowDecimal={false}
                value={typeof field(cap, "count") === "number" ? (field(cap, "count") as number) : ""}
                onChange={(value) => setCap(i, value, per)}
                error={error(`${list}.${i}.cap`)}
              />
              <TextField
                label="Cap period (optional)"
                description="Rolling, such as 30d; give a cap first"
                placeholder="all time"
                value={per}
                onChange={(value) => {
                  if (isRecord(cap)) set(`${list}.${i}.cap`, value === "" ? withoutPer(cap) : { ...cap, per: value });
                }}
              />
            </Group>
            <YamlField label="Only for people who match (optional)" placeholder="{trait: tier, op: equals, value: gold}" {...yaml(props, `${list}.${i}.eligible`)} />
          </Item>
        );
      })}
      {arms.length < 20 ? (
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => set(list, [...arms, newOffer(freshKey(arms, list), list === "levels" ? (arms.length + 1) * 10 : undefined)])}
        >
          {list === "offers" ? "Add an offer" : "Add a price level"}
        </Button>
      ) : null}
      <TagsInput
        label="What it sees of each person (optional)"
        description="Traits, predicted.<key> or computed.<key>"
        placeholder="Type a trait, then Enter"
        value={context}
        onChange={(traits) => set("context", traits.length ? traits : undefined)}
        error={error("context")}
      />
      <NumberInput
        label="Chosen at random to keep learning (%)"
        description="1 to 50; 10% when empty"
        min={1}
        max={50}
        decimalScale={2}
        value={toPercent(node.holdout)}
        onChange={(value) => {
          if (typeof value === "number" || value === "") set("holdout", fromPercent(value));
        }}
        error={error("holdout")}
      />
      <DurationField label="Goal counts within (optional, 7d when empty)" {...text(props, "window", true)} />
      {list === "levels" ? (
        <Group grow align="flex-start">
          <NumberInput label="Least margin (optional)" description="No level whose value − cost is below" {...number("min_margin")} />
          <NumberInput label="Highest level (optional)" description="No level above" {...number("max_level")} />
        </Group>
      ) : null}
    </Stack>
  );
}

function at(node: JourneyNode, path: string): unknown {
  return path.split(".").reduce<unknown>((value, part) => (Array.isArray(value) ? value[Number(part)] : field(value, part)), node);
}

function withoutPer(cap: Record<string, unknown>): Record<string, unknown> {
  const { per: _per, ...rest } = cap;
  return rest;
}

function freshKey(arms: unknown[], list: ArmList): string {
  const keys = new Set(arms.map((arm) => field(arm, "key")));
  const base = list === "offers" ? "offer" : "level";
  for (let n = arms.length + 1; ; n++) if (!keys.has(`${base}_${n}`)) return `${base}_${n}`;
}
