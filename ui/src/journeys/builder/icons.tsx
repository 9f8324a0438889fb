import {
  IconArrowsSplit,
  IconBellRinging,
  IconBolt,
  IconBrandSlack,
  IconCalendarTime,
  IconClockHour4,
  IconDeviceMobileMessage,
  IconDoorExit,
  IconGitBranch,
  IconHourglass,
  IconInbox,
  IconMail,
  IconRoute,
  IconSend,
  IconShieldHalf,
  IconTargetArrow,
  IconUserEdit,
  IconWebhook,
  type Icon,
} from "@tabler/icons-react";
import { isNodeType, type NodeType } from "./model";

const TYPE_ICONS: Record<NodeType, Icon> = {
  delay: IconClockHour4,
  wait_until: IconCalendarTime,
  wait_for_event: IconHourglass,
  branch: IconGitBranch,
  split: IconArrowsSplit,
  holdout: IconShieldHalf,
  decide: IconTargetArrow,
  message: IconSend,
  update_profile: IconUserEdit,
  webhook: IconWebhook,
  enter_journey: IconRoute,
  exit: IconDoorExit,
};

const CHANNEL_ICONS: Record<string, Icon> = {
  email: IconMail,
  sms: IconDeviceMobileMessage,
  push: IconBellRinging,
  chat: IconBrandSlack,
  inbox: IconInbox,
};

export const TriggerIcon = IconBolt;

export function iconOf(node: { type: string; channel?: unknown }): Icon {
  if (node.type === "message" && typeof node.channel === "string") return CHANNEL_ICONS[node.channel] ?? IconSend;
  return isNodeType(node.type) ? TYPE_ICONS[node.type] : IconSend;
}
