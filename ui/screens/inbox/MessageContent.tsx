/**
 * A message's content by WhatsApp type: text (links made clickable), media as a labelled card
 * with its caption and type (Quire keeps media as metadata; the file stays with Meta),
 * locations, shared contacts, button and list replies, WhatsApp's notices, and what WhatsApp
 * could not show.
 */
import type { ReactNode } from "react";
import type { Message } from "../../api/client";
import { icons } from "./icons";

type Data = Record<string, unknown>;

const asRecord = (value: unknown): Data =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Data) : {};
const asString = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

const MEDIA: Record<string, { label: string; icon: ReactNode }> = {
  image: { label: "Photo", icon: icons.image },
  video: { label: "Video", icon: icons.video },
  audio: { label: "Audio", icon: icons.audio },
  document: { label: "Document", icon: icons.document },
  sticker: { label: "Sticker", icon: icons.sticker },
};

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Text with its web addresses as links that open in a new tab, without the app's referrer. */
export function Linkified({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const at = match.index ?? 0;
    if (at > last) parts.push(text.slice(last, at));
    parts.push(
      <a key={at} href={match[0]} target="_blank" rel="noopener noreferrer">
        {match[0]}
      </a>,
    );
    last = at + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}

/** What a reply of the team or a message of the contact says, by its type. */
export function MessageContent({ message }: { message: Message }) {
  const data = asRecord(message.data);
  const body = message.body ?? null;
  const media = MEDIA[message.type];
  if (message.type === "text") {
    return <p className="msg-text">{body ? <Linkified text={body} /> : null}</p>;
  }
  if (media) {
    const mime = asString(data.mime_type);
    const filename = asString(data.filename);
    const caption = asString(data.caption) ?? (filename ? null : body);
    const voice = message.type === "audio" && data.voice === true;
    return (
      <>
        <div className="msg-card" title="Quire keeps media as metadata; the file itself stays with WhatsApp">
          <span className="msg-card-icon" aria-hidden="true">
            {voice ? icons.voice : media.icon}
          </span>
          <span className="msg-card-text">
            <span className="msg-card-title">{voice ? "Voice message" : (filename ?? media.label)}</span>
            <span className="msg-card-meta">
              {filename ? `${media.label} · ` : ""}
              {mime ?? "type not given"}
            </span>
          </span>
        </div>
        {caption ? (
          <p className="msg-text">
            <Linkified text={caption} />
          </p>
        ) : null}
      </>
    );
  }
  if (message.type === "location") {
    const latitude = Number(data.latitude);
    const longitude = Number(data.longitude);
    const known = Number.isFinite(latitude) && Number.isFinite(longitude);
    const name = asString(data.name);
    const address = asString(data.address);
    return (
      <div className="msg-card">
        <span className="msg-card-icon" aria-hidden="true">
          {icons.location}
        </span>
        <span className="msg-card-text">
          <span className="msg-card-title">{name ?? "Location"}</span>
          {address ? <span className="msg-card-meta">{address}</span> : null}
          {known ? (
            <a
              className="msg-card-meta"
              href={`https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=16/${latitude}/${longitude}`}
              target="_blank"
              rel="noopener noreferrer"
            >
              {latitude.toFixed(5)}, {longitude.toFixed(5)} — open the map
            </a>
          ) : null}
        </span>
      </div>
    );
  }
  if (message.type === "contacts") {
    const contacts = Array.isArray(data.contacts) ? data.contacts.map(asRecord) : [];
    return (
      <div className="msg-card">
        <span className="msg-card-icon" aria-hidden="true">
          {icons.contact}
        </span>
        <span className="msg-card-text">
          <span className="msg-card-title">
            {contacts.length === 1 ? "Shared a contact" : `Shared ${contacts.length || "some"} contacts`}
          </span>
          {contacts.map((contact, i) => {
            const name = asString(asRecord(contact.name).formatted_name) ?? "Unnamed";
            const phones = Array.isArray(contact.phones)
              ? contact.phones.map((p) => asString(asRecord(p).phone)).filter(Boolean)
              : [];
            return (
              <span key={i} className="msg-card-meta">
                {name}
                {phones.length ? ` · ${phones.join(", ")}` : ""}
              </span>
            );
          })}
          {contacts.length === 0 && body ? <span className="msg-card-meta">{body}</span> : null}
        </span>
      </div>
    );
  }
  if (message.type === "interactive" || message.type === "button") {
    const interactive = asRecord(data[asString(data.type) ?? ""]);
    const title = body ?? asString(interactive.title) ?? asString(data.text);
    const description = asString(interactive.description);
    const kind =
      data.type === "list_reply" ? "Chose from a list" : message.type === "button" ? "Tapped a quick reply" : "Tapped a button";
    return (
      <div className="msg-reply-choice">
        <span className="msg-card-meta">↩ {kind}</span>
        <span className="msg-choice">{title ?? `a ${asString(data.type) ?? "reply"} answer`}</span>
        {description ? <span className="msg-card-meta">{description}</span> : null}
      </div>
    );
  }
  if (message.type === "unsupported") {
    const errors = Array.isArray(data.errors) ? data.errors.map(asRecord) : [];
    const why = errors.map((e) => asString(e.title) ?? asString(e.message)).filter(Boolean).join("; ");
    return (
      <p className="msg-text msg-unshown">
        WhatsApp could not show this message to the business{why ? `: ${why}` : "."}
      </p>
    );
  }
  // A type Quire does not know yet: what text it has, and its type.
  return (
    <p className="msg-text msg-unshown">
      {body ? <Linkified text={body} /> : <>A “{message.type}” message, which the inbox does not show yet.</>}
    </p>
  );
}
