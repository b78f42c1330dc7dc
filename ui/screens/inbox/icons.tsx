/**
 * The inbox's few icons, drawn inline (16×16, the text's colour) so they look the same on
 * every system, emoji font or not. Decorative: the text beside each says what it means.
 */
import type { ReactNode } from "react";

function Icon({ children, size = 16 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      viewBox="0 0 16 16"
      width={size}
      height={size}
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.4"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      {children}
    </svg>
  );
}

export const icons = {
  image: (
    <Icon size={22}>
      <rect x="1.8" y="2.8" width="12.4" height="10.4" rx="1.6" />
      <circle cx="5.6" cy="6.4" r="1.2" />
      <path d="M2.5 12l3.6-3.4 2.6 2.4 2.1-1.9 3 2.8" />
    </Icon>
  ),
  video: (
    <Icon size={22}>
      <rect x="1.6" y="3.6" width="9.4" height="8.8" rx="1.6" />
      <path d="M11 7l3.4-2v6L11 9" />
    </Icon>
  ),
  audio: (
    <Icon size={22}>
      <path d="M6 12V3.5l7-1.5v8.5" />
      <circle cx="4.3" cy="12" r="1.8" />
      <circle cx="11.3" cy="10.5" r="1.8" />
    </Icon>
  ),
  voice: (
    <Icon size={22}>
      <rect x="5.6" y="1.6" width="4.8" height="8" rx="2.4" />
      <path d="M3.2 7.6a4.8 4.8 0 0 0 9.6 0M8 12.4v2" />
    </Icon>
  ),
  document: (
    <Icon size={22}>
      <path d="M4 1.6h5.2L12.4 5v9.4H4z" />
      <path d="M9 1.8V5.2h3.3M6 8.4h4.4M6 11h4.4" />
    </Icon>
  ),
  sticker: (
    <Icon size={22}>
      <path d="M14.2 8.6A6.2 6.2 0 1 1 7.4 1.8" />
      <path d="M14.2 8.6L7.4 1.8c0 3.9 2.9 6.8 6.8 6.8z" />
      <path d="M5.4 10.2c.8.9 2.3 1.1 3.4.5" />
    </Icon>
  ),
  location: (
    <Icon size={22}>
      <path d="M8 14.4s4.6-4.4 4.6-8a4.6 4.6 0 0 0-9.2 0c0 3.6 4.6 8 4.6 8z" />
      <circle cx="8" cy="6.3" r="1.6" />
    </Icon>
  ),
  contact: (
    <Icon size={22}>
      <circle cx="8" cy="5.4" r="2.6" />
      <path d="M2.8 14c.6-2.8 2.7-4.4 5.2-4.4s4.6 1.6 5.2 4.4" />
    </Icon>
  ),
  clock: (
    <Icon size={12}>
      <circle cx="8" cy="8" r="6" />
      <path d="M8 4.6V8l2.2 1.4" />
    </Icon>
  ),
  copy: (
    <Icon size={14}>
      <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
      <path d="M10.5 3.5v-.5A1.5 1.5 0 0 0 9 1.5H4A1.5 1.5 0 0 0 2.5 3v5A1.5 1.5 0 0 0 4 9.5h.5" />
    </Icon>
  ),
};
