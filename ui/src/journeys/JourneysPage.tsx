import { PageHeader } from "../ui/PageHeader";

export default function JourneysPage() {
  return <PageHeader title="JourneysPage" description="Not built yet." />;
}
