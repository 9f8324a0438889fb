import { Tabs } from "@mantine/core";
import { IconPlugConnectedX, IconWebhook } from "@tabler/icons-react";
import { useAddress } from "../ui/address";
import { PageHeader } from "../ui/PageHeader";
import { DestinationsTab } from "./DestinationsTab";
import { SourcesTab } from "./SourcesTab";

/** Webhooks in (sources: shops, payments, help desks, SMS) and out (destinations:
 * webhooks, ad audiences, the CRM); `?tab=` names the open one so that a link opens it. */
export default function IntegrationsPage() {
  const [params, change] = useAddress();
  const open = params.get("tab") === "destinations" ? "destinations" : "sources";
  return (
    <>
      <PageHeader title="Integrations" description="Other systems' webhooks that become events here, and the places Baton sends events, audiences and contacts to." />
      <Tabs value={open} onChange={(tab) => tab && change({ tab })} keepMounted={false}>
        <Tabs.List mb="lg">
          <Tabs.Tab value="sources" leftSection={<IconWebhook size={16} aria-hidden />}>
            Sources
          </Tabs.Tab>
          <Tabs.Tab value="destinations" leftSection={<IconPlugConnectedX size={16} aria-hidden />}>
            Destinations
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="sources">
          <SourcesTab />
        </Tabs.Panel>
        <Tabs.Panel value="destinations">
          <DestinationsTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
