/**
 * Actions of a bar without room for them all on a phone (the studio's): side by side where
 * there is room, and on a phone in a More menu, so the bar keeps one row. The menu closes on
 * a choice, a click elsewhere, Escape and Tab (the last two give the focus back to More); the
 * arrow keys, Home and End move among its actions, as in any menu.
 */
import { useEffect, useRef, useState } from "react";
import { Link } from "wouter";
import { usePhoneWidth } from "./usePhoneWidth";

/** An action, or a place to go (`href`). */
export type MoreItem =
  | { label: string; onSelect: () => void; disabled?: boolean }
  | { label: string; href: string };

export function MoreActions({ items }: { items: MoreItem[] }) {
  const phone = usePhoneWidth();
  if (phone) return <MoreMenu items={items} />;
  return (
    <>
      {items.map((item) => (
        <Action key={item.label} item={item} className="button button-quiet" />
      ))}
    </>
  );
}

function MoreMenu({ items }: { items: MoreItem[] }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    // Escape gives the focus back to the button that opened the menu.
    const escape = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener("pointerdown", away);
    document.addEventListener("keydown", escape);
    // The first action takes the focus, so the keyboard goes on from there.
    root.current?.querySelector<HTMLElement>("[role=menuitem]:not(:disabled)")?.focus();
    return () => {
      document.removeEventListener("pointerdown", away);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);
  return (
    <div className="more-menu" ref={root}>
      <button
        ref={toggle}
        type="button"
        className="button button-quiet"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        More <span aria-hidden="true">▾</span>
      </button>
      {open ? (
        <div
          className="more-menu-list"
          role="menu"
          aria-label="More actions"
          onKeyDown={(event) => {
            // Tab closes it as Escape does: the focus goes back to More (the next Tab goes on
            // from there), never to an action that is about to go away.
            if (event.key === "Tab") {
              event.preventDefault();
              setOpen(false);
              toggle.current?.focus();
            } else if (moveFocus(event.currentTarget, event.key)) event.preventDefault();
          }}
        >
          {items.map((item) => (
            <Action
              key={item.label}
              item={item}
              className="more-menu-item"
              role="menuitem"
              onChosen={() => setOpen(false)}
            />
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** Moves the focus among `menu`'s enabled actions for the arrow keys, Home and End (wrapping
 * around); says whether `key` was one of them. */
function moveFocus(menu: HTMLElement, key: string): boolean {
  const actions = [...menu.querySelectorAll<HTMLElement>("[role=menuitem]:not(:disabled)")];
  if (actions.length === 0) return false;
  const at = actions.indexOf(document.activeElement as HTMLElement);
  const next: Record<string, number> = {
    ArrowDown: (at + 1) % actions.length,
    ArrowUp: at <= 0 ? actions.length - 1 : at - 1,
    Home: 0,
    End: actions.length - 1,
  };
  if (!(key in next)) return false;
  actions[next[key]]?.focus();
  return true;
}

function Action({
  item,
  className,
  role,
  onChosen,
}: {
  item: MoreItem;
  className: string;
  role?: "menuitem";
  onChosen?: () => void;
}) {
  if ("href" in item) {
    return (
      <Link href={item.href} role={role} className={className} onClick={onChosen}>
        {item.label}
      </Link>
    );
  }
  return (
    <button
      type="button"
      role={role}
      className={className}
      disabled={item.disabled}
      onClick={() => {
        onChosen?.();
        item.onSelect();
      }}
    >
      {item.label}
    </button>
  );
}
