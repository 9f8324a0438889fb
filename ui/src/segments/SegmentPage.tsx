import { PageHeader } from "../ui/PageHeader";

export default function SegmentPage() {
  return <PageHeader title="SegmentPage" description="Not built yet." />;
}
