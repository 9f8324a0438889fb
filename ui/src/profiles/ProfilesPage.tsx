import { PageHeader } from "../ui/PageHeader";

export default function ProfilesPage() {
  return <PageHeader title="ProfilesPage" description="Not built yet." />;
}
