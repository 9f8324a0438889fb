import { PageHeader } from "../ui/PageHeader";

export default function TemplatesPage() {
  return <PageHeader title="TemplatesPage" description="Not built yet." />;
}
