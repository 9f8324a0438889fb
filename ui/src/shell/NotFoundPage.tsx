import { PageHeader } from "../ui/PageHeader";

export default function NotFoundPage() {
  return <PageHeader title="NotFoundPage" description="Not built yet." />;
}
