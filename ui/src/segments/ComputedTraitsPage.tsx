import { DefinitionList } from "./DefinitionList";

export default function ComputedTraitsPage() {
  return (
    <DefinitionList
      collection="computed-traits"
      wording={{
        title: "Computed traits",
        description: "Values kept on every profile from its events, such as revenue in the last 90 days. Segments read them.",
        noun: "Computed trait",
        plural: "computed traits",
        counted: "Profiles with a value",
        detail: (definition) => [definition.kind, definition.property, "of", definition.event].filter((part) => typeof part === "string").join(" "),
      }}
    />
  );
}
