import { PageHeader } from "../ui/PageHeader";

export default function JourneyPage() {
  return <PageHeader title="JourneyPage" description="Not built yet." />;
}
