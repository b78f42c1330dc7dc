/** A centred message: loading, an error, or why something cannot be shown. */
import type { ReactNode } from "react";

export function Notice({
  tone,
  title,
  children,
}: {
  tone: "quiet" | "error" | "info";
  title: string;
  children?: ReactNode;
}) {
  return (
    <div className={`notice notice-${tone}`} role={tone === "error" ? "alert" : "status"}>
      <h2 className="notice-title">{title}</h2>
      {children ? <p className="notice-body">{children}</p> : null}
    </div>
  );
}
