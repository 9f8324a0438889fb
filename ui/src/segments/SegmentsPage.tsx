import { DefinitionList } from "./DefinitionList";

export default function SegmentsPage() {
  return (
    <DefinitionList
      collection="segments"
      wording={{
        title: "Segments",
        description: "Groups of profiles, kept up to date as their traits and events change. Journeys start, wait and pause on them.",
        noun: "Segment",
        plural: "segments",
        counted: "Members",
      }}
    />
  );
}
