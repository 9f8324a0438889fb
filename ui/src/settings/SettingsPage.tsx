import { PageHeader } from "../ui/PageHeader";

export default function SettingsPage() {
  return <PageHeader title="SettingsPage" description="Not built yet." />;
}
