import { PageHeader } from "../ui/PageHeader";

export default function AnalyticsPage() {
  return <PageHeader title="AnalyticsPage" description="Not built yet." />;
}
