/**
 * Two texts side by side with their differences marked (CodeMirror's merge view). Read-only,
 * or with the right side editable and arrows that take a change from the left (merging).
 */
import { MergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import { editorSetup } from "./CodeEditor";

export interface DiffViewHandle {
  /** The right side's text, as edited. */
  right(): string;
}

export const DiffView = forwardRef<
  DiffViewHandle,
  { left: string; right: string; leftLabel: string; rightLabel: string; editable?: boolean }
>(function DiffView({ left, right, leftLabel, rightLabel, editable }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<MergeView | null>(null);

  useEffect(() => {
    if (!host.current) return;
    const readOnly = [EditorState.readOnly.of(true), EditorView.editable.of(false)];
    const merge = new MergeView({
      parent: host.current,
      a: {
        doc: left,
        extensions: [editorSetup(), ...readOnly, EditorView.contentAttributes.of({ "aria-label": leftLabel })],
      },
      b: {
        doc: right,
        extensions: [
          editorSetup(),
          ...(editable ? [] : readOnly),
          EditorView.contentAttributes.of({ "aria-label": rightLabel }),
        ],
      },
      revertControls: editable ? "a-to-b" : undefined,
      collapseUnchanged: { margin: 3, minSize: 8 },
      gutter: true,
    });
    view.current = merge;
    return () => {
      merge.destroy();
      view.current = null;
    };
  }, [left, right, leftLabel, rightLabel, editable]);

  useImperativeHandle(ref, () => ({ right: () => view.current?.b.state.doc.toString() ?? right }), [right]);

  return (
    <div className="diff">
      <div className="diff-labels">
        <span>{leftLabel}</span>
        <span>{rightLabel}</span>
      </div>
      <div ref={host} className="diff-view" />
    </div>
  );
});
