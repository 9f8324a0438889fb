import { PageHeader } from "../ui/PageHeader";

export default function ReadyJourneysPage() {
  return <PageHeader title="ReadyJourneysPage" description="Not built yet." />;
}
