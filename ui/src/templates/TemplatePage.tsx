import { PageHeader } from "../ui/PageHeader";

export default function TemplatePage() {
  return <PageHeader title="TemplatePage" description="Not built yet." />;
}
