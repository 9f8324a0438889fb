import {
  Document,
  LineCounter,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Node as YamlNode,
  type Tags,
  type ToStringOptions,
} from "yaml";

/** One step of a journey (docs/journeys.md): its `type` and whatever fields it has,
 * unknown ones included, in the order they were written. */
export type JourneyNode = { type: string; [field: string]: unknown };

/** A journey document as written: every field kept, in its order. */
export type JourneyDefinition = {
  key: string;
  start?: string;
  nodes?: Record<string, JourneyNode>;
  [field: string]: unknown;
};

export type YamlError = { message: string; line?: number };

// Baton reads YAML with PyYAML (YAML 1.1): `09:00` is a number there and `yes` a boolean,
// so the console reads and writes the same way. Dates stay text: JSON has no dates.
const TIMESTAMP = "tag:yaml.org,2002:timestamp";
const BOOL = "tag:yaml.org,2002:bool";
// PyYAML's booleans: unlike YAML 1.1's own list, `y` and `n` are text.
const PY_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PY_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const SCHEMA = {
  version: "1.1" as const,
  customTags: (tags: Tags): Tags =>
    tags
      .filter((tag) => typeof tag === "string" || tag.tag !== TIMESTAMP)
      .map(pythonBooleans),
};
function pythonBooleans(tag: Tags[number]): Tags[number] {
  if (typeof tag === "string" || tag.collection !== undefined || tag.tag !== BOOL) return tag;
  return { ...tag, test: tag.identify?.(true) ? PY_TRUE : PY_FALSE };
}
// Edits share unchanged parts between versions; Baton refuses the anchors YAML would make of them.
const CREATE = { aliasDuplicateObjects: false };
const WRITE: ToStringOptions = { flowCollectionPadding: false, lineWidth: 100 };
// A small mapping or list of plain values reads best on one line, as the docs write them.
const FLOW_WIDTH = 72;

export function parseJourneyYaml(text: string): { definition: JourneyDefinition | null; error: YamlError | null } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...SCHEMA, lineCounter: lines, prettyErrors: true });
  const failed = (message: string, offset?: number) => ({
    definition: null,
    error: offset === undefined ? { message } : { message, line: lines.linePos(offset).line },
  });
  const [syntax] = doc.errors;
  if (syntax) return failed(firstLine(syntax.message), syntax.pos[0]);
  const alias = aliasOffset(doc);
  if (alias !== null) return failed("Anchors and aliases (& and *) are not allowed", alias);

  const data: unknown = doc.toJS();
  const at = (path: (string | number)[]) => {
    const found = doc.getIn(path, true);
    return isNode(found) ? found.range?.[0] : undefined;
  };
  if (!isRecord(data)) return failed("A journey is a mapping of fields such as key, trigger and nodes", 0);
  if (typeof data.key !== "string" || data.key === "") return failed("key: give the journey a key", at(["key"]) ?? 0);
  if (data.nodes !== undefined) {
    if (!isRecord(data.nodes)) return failed("nodes: list the steps as a mapping of id to step", at(["nodes"]));
    for (const [id, node] of Object.entries(data.nodes)) {
      if (!isRecord(node) || typeof node.type !== "string") {
        return failed(`nodes.${id}: give the step a type, such as message or delay`, at(["nodes", id]));
      }
    }
  }
  return { definition: data as JourneyDefinition, error: null };
}

/** The definition as YAML. Given the YAML it came from, that text is edited in place:
 * comments, styles and quoting of what did not change are kept. */
export function journeyToYaml(definition: JourneyDefinition, previous?: string): string {
  if (previous !== undefined) {
    const doc = parseDocument(previous, SCHEMA);
    if (doc.errors.length === 0 && aliasOffset(doc) === null && isMap(doc.contents)) {
      // A map is edited in place, so the root stays the document's own.
      reconcile(doc, doc.contents, definition);
      return doc.toString(WRITE);
    }
  }
  const doc = new Document(definition, { ...SCHEMA, ...CREATE });
  // The root stays in blocks; small parts within go on one line.
  if (isMap(doc.contents)) for (const pair of doc.contents.items) flowLeaves(pair.value);
  return doc.toString(WRITE);
}

/** Small mappings and lists of plain values within `node` written on one line. */
function flowLeaves(node: unknown): void {
  if (!isCollection(node)) return;
  visit(node, {
    Map(_, map) {
      map.flow = fitsOnALine(map);
    },
    Seq(_, seq) {
      seq.flow = fitsOnALine(seq);
    },
  });
}

function fitsOnALine(collection: YamlNode): boolean {
  if (!isCollection(collection) || collection.items.length === 0) return true;
  const plain = collection.items.every((item) => {
    const value = isMap(collection) && typeof item === "object" && item !== null && "value" in item ? item.value : item;
    return isScalar(value) && !(typeof value.value === "string" && value.value.includes("\n"));
  });
  return plain && JSON.stringify(collection.toJSON()).length <= FLOW_WIDTH;
}

/** The lines of the YAML text where API error fields (`nodes.email.next`) are written, or
 * the nearest part of each that is; null where the text does not tell. */
export function fieldLines(text: string, fields: readonly string[]): (number | null)[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...SCHEMA, lineCounter: lines });
  if (doc.errors.length > 0) return fields.map(() => null);
  return fields.map((field) => {
    const path: (string | number)[] = field.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    for (let depth = path.length; depth > 0; depth--) {
      const offset = offsetOf(doc, path.slice(0, depth));
      if (offset !== undefined) return lines.linePos(offset).line;
    }
    return null;
  });
}

/** Where the part at `path` is written: a mapping's key, a list's item. */
function offsetOf(doc: Document, path: (string | number)[]): number | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(last));
    const key: unknown = pair?.key;
    return isNode(key) ? key.range?.[0] : undefined;
  }
  if (isSeq(parent) && typeof last === "number") {
    const item: unknown = parent.items[last];
    return isNode(item) ? item.range?.[0] : undefined;
  }
  return undefined;
}

/** A value written in YAML, for the fields edited as text (conditions, filters). */
export function parseYamlValue(text: string): { value: unknown; error: YamlError | null } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...SCHEMA, lineCounter: lines, prettyErrors: true });
  const [syntax] = doc.errors;
  if (syntax) return { value: undefined, error: { message: firstLine(syntax.message), line: lines.linePos(syntax.pos[0]).line } };
  if (aliasOffset(doc) !== null) return { value: undefined, error: { message: "Anchors and aliases (& and *) are not allowed" } };
  return { value: doc.toJS(), error: null };
}

export function valueToYaml(value: unknown): string {
  if (value === undefined) return "";
  return new Document(value, { ...SCHEMA, ...CREATE }).toString(WRITE);
}

/** The node of `previous` made to hold `value`, keeping what did not change. */
function reconcile(doc: Document, node: unknown, value: unknown): YamlNode {
  if (isRecord(value) && isMap(node)) {
    const kept = new Map<string, (typeof node.items)[number]>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      if (key !== null && Object.hasOwn(value, key) && !kept.has(key)) kept.set(key, pair);
    }
    node.items = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => {
        const pair = kept.get(key);
        if (!pair) {
          const created = doc.createPair(key, item, CREATE);
          flowLeaves(created.value);
          return created;
        }
        pair.value = reconcile(doc, pair.value, item);
        return pair;
      });
    return node;
  }
  if (Array.isArray(value) && isSeq(node)) {
    node.items = value.map((item, i) => {
      if (i < node.items.length) return reconcile(doc, node.items[i], item);
      const created = doc.createNode(item, CREATE);
      flowLeaves(created);
      return created;
    });
    return node;
  }
  if (isScalar(node) && !isCollection(value) && Object.is(node.value, value)) return node;
  const created = doc.createNode(value, CREATE);
  flowLeaves(created);
  if (isNode(node)) {
    created.commentBefore = node.commentBefore;
    created.comment = node.comment;
    created.spaceBefore = node.spaceBefore;
  }
  return created;
}

function aliasOffset(doc: Document): number | null {
  let found: number | null = null;
  visit(doc, (_, node) => {
    if (isAlias(node) || (isNode(node) && node.anchor)) {
      found = isNode(node) ? (node.range?.[0] ?? 0) : 0;
      return visit.BREAK;
    }
    return undefined;
  });
  return found;
}

function isNode(value: unknown): value is YamlNode {
  return isScalar(value) || isCollection(value) || isAlias(value);
}

function firstLine(message: string): string {
  // The line is given apart; the parser's message repeats it with a code excerpt.
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
