import { VisuallyHidden } from "@mantine/core";
import {
  IconActivity,
  IconBell,
  IconChevronDown,
  IconChevronRight,
  IconDeviceMobile,
  IconFileText,
  IconInbox,
  IconLink,
  IconMail,
  IconMessage2,
  IconRoute,
  IconSend,
  IconUserCheck,
  IconUsersGroup,
  type Icon,
} from "@tabler/icons-react";
import { memo } from "react";
import type { MessageStatus, ProfileEvent } from "./api";
import { compactProperties, eventName, messageOutcome, stepAction, type TimelineEntry } from "./timeline";
import classes from "./TimelineRow.module.css";

const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });

const EVENT_ICONS: Record<ProfileEvent["type"], Icon> = {
  track: IconActivity,
  identify: IconUserCheck,
  page: IconFileText,
  screen: IconDeviceMobile,
  group: IconUsersGroup,
  alias: IconLink,
};

const CHANNEL_ICONS: Record<string, Icon> = { email: IconMail, sms: IconMessage2, push: IconBell, inbox: IconInbox };

export const STATUS_COLORS: Record<MessageStatus, string> = {
  pending: "gray",
  sending: "blue",
  delivered: "green",
  skipped: "orange",
  cancelled: "gray",
  failed: "red",
};

type Shown = { icon: Icon; kind: string; title: string; summary: string; badge?: { label: string; color: string } };

function describe(entry: TimelineEntry): Shown {
  switch (entry.kind) {
    case "event": {
      const event = entry.item;
      const values = event.type === "identify" || event.type === "group" ? event.traits : event.properties;
      return { icon: EVENT_ICONS[event.type] ?? IconActivity, kind: "Event", title: eventName(event), summary: compactProperties(values) };
    }
    case "message": {
      const message = entry.item;
      const where = message.journey ? ` · journey ${message.journey}, node ${message.node ?? "–"}` : "";
      return {
        icon: CHANNEL_ICONS[message.channel] ?? IconSend,
        kind: "Message",
        title: `${message.channel} message · ${message.template ?? "no template"}`,
        summary: `${messageOutcome(message)}${where}`,
        badge: { label: message.status, color: STATUS_COLORS[message.status] },
      };
    }
    case "step": {
      const step = entry.item;
      return {
        icon: IconRoute,
        kind: "Journey step",
        title: `${step.journey} · ${step.node} ${stepAction(step)}`,
        summary: compactProperties(step.detail),
      };
    }
  }
}

/** A row's height, collapsed; its details add DETAILS_HEIGHT. Fixed, so that a long
 * timeline scrolls without measuring anything. */
export const ROW_HEIGHT = 60;
export const DETAILS_HEIGHT = 240;

type Props = { entry: TimelineEntry; expanded: boolean; onToggle: (key: string) => void };

/** One row of the timeline: what happened, when, and its details on demand. */
export const TimelineRow = memo(function TimelineRow({ entry, expanded, onToggle }: Props) {
  const shown = describe(entry);
  const Glyph = shown.icon;
  const at = when.format(new Date(entry.at));
  return (
    <div className={classes.row}>
      <div className={classes.line}>
        <span className={`${classes.icon} ${classes[entry.kind]}`} aria-hidden>
          <Glyph size={17} />
        </span>
        <div className={classes.text}>
          <div className={classes.title}>
            <span className={classes.titleText} title={shown.title}>
              <VisuallyHidden>{shown.kind}: </VisuallyHidden>
              {shown.title}
            </span>
            {shown.badge ? (
              <span className={classes.status} style={{
                  background: `var(--mantine-color-${shown.badge.color}-light)`,
                  color: `var(--mantine-color-${shown.badge.color}-light-color)`,
                }}>
                {shown.badge.label}
              </span>
            ) : null}
          </div>
          <div className={classes.summary} title={shown.summary || undefined}>
            {shown.summary || "\u00a0"}
          </div>
        </div>
        <time className={classes.time} dateTime={entry.at} title={at}>
          {at}
        </time>
        <button
          type="button"
          className={classes.toggle}
          aria-label={`${expanded ? "Hide" : "Show"} details of ${shown.title}, ${at}`}
          aria-expanded={expanded}
          onClick={() => onToggle(entry.key)}
        >
          {expanded ? <IconChevronDown size={16} aria-hidden /> : <IconChevronRight size={16} aria-hidden />}
        </button>
      </div>
      {expanded ? (
        <pre className={classes.details} tabIndex={0} role="region" aria-label={`Details of ${shown.title}`}>
          {JSON.stringify(entry.item, null, 2)}
        </pre>
      ) : null}
    </div>
  );
});
