import { PageHeader } from "../ui/PageHeader";

/** What a role without access to personal data sees on the profile pages. */
export function NoProfileAccess() {
  return (
    <PageHeader
      title="Profiles"
      description="Your role cannot see people's profiles: they hold personal data. An owner or admin of this workspace can give you access."
    />
  );
}
