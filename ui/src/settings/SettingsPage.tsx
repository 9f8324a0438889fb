import { Tabs } from "@mantine/core";
import { IconBuilding, IconChecklist, IconHistory, IconKey, IconMessageCog, IconPlugConnected, IconUsers, type Icon } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useSession, type Permission } from "../auth/session";
import { useAddress } from "../ui/address";
import { PageHeader } from "../ui/PageHeader";
import { ApprovalsTab } from "./ApprovalsTab";
import { AuditTab } from "./AuditTab";
import { ChannelsTab } from "./ChannelsTab";
import { KeysTab } from "./KeysTab";
import { PeopleTab } from "./PeopleTab";
import { PolicyTab } from "./PolicyTab";
import { WorkspaceTab } from "./WorkspaceTab";

type Section = { value: string; label: string; icon: Icon; needs: Permission; panel: () => ReactNode };

const SECTIONS: Section[] = [
  { value: "workspace", label: "Workspace", icon: IconBuilding, needs: "read_definitions", panel: () => <WorkspaceTab /> },
  { value: "channels", label: "Channels", icon: IconPlugConnected, needs: "manage_integrations", panel: () => <ChannelsTab /> },
  { value: "policy", label: "Messaging policy", icon: IconMessageCog, needs: "read_definitions", panel: () => <PolicyTab /> },
  { value: "people", label: "People", icon: IconUsers, needs: "manage_users", panel: () => <PeopleTab /> },
  { value: "keys", label: "Keys", icon: IconKey, needs: "manage_integrations", panel: () => <KeysTab /> },
  { value: "approvals", label: "Approvals", icon: IconChecklist, needs: "approve", panel: () => <ApprovalsTab /> },
  { value: "audit", label: "Audit trail", icon: IconHistory, needs: "manage_users", panel: () => <AuditTab /> },
];

/** The workspace's settings, each section for the roles that may see it; `?tab=` names
 * the open one so that a link opens it. */
export default function SettingsPage() {
  const { can } = useSession();
  const [params, change] = useAddress();
  const sections = SECTIONS.filter((section) => can(section.needs));
  const asked = params.get("tab");
  const open = sections.find((section) => section.value === asked)?.value ?? sections[0]?.value ?? null;

  return (
    <>
      <PageHeader title="Settings" description="The workspace, its channels and messaging policy, its people, keys, approvals and audit trail." />
      <Tabs value={open} onChange={(tab) => tab && change({ tab })} keepMounted={false}>
        <Tabs.List mb="lg">
          {sections.map(({ value, label, icon: SectionIcon }) => (
            <Tabs.Tab key={value} value={value} leftSection={<SectionIcon size={16} aria-hidden />}>
              {label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {sections.map((section) => (
          <Tabs.Panel key={section.value} value={section.value}>
            {section.panel()}
          </Tabs.Panel>
        ))}
      </Tabs>
    </>
  );
}
