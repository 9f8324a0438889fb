import { PageHeader } from "../ui/PageHeader";

export default function SegmentsPage() {
  return <PageHeader title="SegmentsPage" description="Not built yet." />;
}
