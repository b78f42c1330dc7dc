/**
 * Someone saved this page since the editor loaded it. Nothing is overwritten: their version
 * is on the left, the editor's text on the right (editable; the arrows, or on a phone the
 * "Take" buttons, take a change of theirs), and saving the right side makes the next version
 * on top of theirs.
 */
import { useRef } from "react";
import { Dialog } from "../components/Dialog";
import { usePhoneWidth } from "../components/usePhoneWidth";
import { DiffView, type DiffViewHandle } from "./DiffView";

export function ConflictDialog({
  theirs,
  theirNumber,
  mine,
  busy,
  onCancel,
  onSave,
}: {
  theirs: string;
  theirNumber: number;
  mine: string;
  busy: boolean;
  onCancel: () => void;
  onSave: (merged: string) => void;
}) {
  const diff = useRef<DiffViewHandle>(null);
  const phone = usePhoneWidth();
  const take = `Take v${theirNumber}`;
  return (
    <Dialog
      open
      wide
      title={`Version ${theirNumber} was saved while you edited`}
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button" onClick={onCancel}>
            Keep editing
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={busy}
            onClick={() => onSave(diff.current?.right() ?? mine)}
          >
            Save merged text as the next version
          </button>
        </>
      }
    >
      <p className="muted">
        Your text was not saved, and theirs was not changed. Take what you need from version{" "}
        {theirNumber} {phone ? `with “${take}” on a change` : "with the arrows"}, then save.
      </p>
      <DiffView
        ref={diff}
        left={theirs}
        right={mine}
        leftLabel={`Version ${theirNumber} (saved)`}
        rightLabel="Your text"
        editable
        takeLabel={take}
      />
    </Dialog>
  );
}
