/**
 * Two texts with their differences marked (CodeMirror's merge view): side by side, or on a
 * phone's width one text with the other's lines inline (there is no room for two columns of
 * code). Read-only, or with the right side editable and controls that take a change from the
 * left (merging).
 */
import { MergeView, unifiedMergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import { usePhoneWidth } from "../components/usePhoneWidth";
import { editorSetup } from "./CodeEditor";

export interface DiffViewHandle {
  /** The right side's text, as edited. */
  right(): string;
}

const COLLAPSE = { margin: 3, minSize: 8 };

export const DiffView = forwardRef<
  DiffViewHandle,
  {
    left: string;
    right: string;
    leftLabel: string;
    rightLabel: string;
    /** The right side takes edits, and changes from the left; `takeLabel` names that. */
    editable?: boolean;
    takeLabel?: string;
  }
>(function DiffView({ left, right, leftLabel, rightLabel, editable, takeLabel = "Take left" }, ref) {
  const host = useRef<HTMLDivElement>(null);
  // The text the handle answers: the right side's editor.
  const rightView = useRef<EditorView | null>(null);
  // The right side's text as edited, kept when the window crosses a phone's width and the
  // view is made anew.
  const edited = useRef<{ left: string; right: string; text: string } | null>(null);
  const phone = usePhoneWidth();

  useEffect(() => {
    if (!host.current) return;
    const readOnly = [EditorState.readOnly.of(true), EditorView.editable.of(false)];
    const kept = edited.current;
    const doc = kept && kept.left === left && kept.right === right ? kept.text : right;
    const keep = (view: EditorView) => {
      edited.current = { left, right, text: view.state.doc.toString() };
    };
    if (phone) {
      const view = new EditorView({
        parent: host.current,
        doc,
        extensions: [
          editorSetup(),
          // A phone's width holds no long line: they wrap rather than scroll out of sight.
          EditorView.lineWrapping,
          ...(editable ? [] : readOnly),
          EditorView.contentAttributes.of({ "aria-label": `${rightLabel}, with ${leftLabel}'s lines inline` }),
          // "Reject" puts the left's text back: here that is taking it.
          EditorState.phrases.of({ Accept: "Keep", Reject: takeLabel }),
          unifiedMergeView({
            original: left,
            mergeControls: Boolean(editable),
            collapseUnchanged: COLLAPSE,
            gutter: true,
          }),
        ],
      });
      rightView.current = view;
      return () => {
        keep(view);
        view.destroy();
        rightView.current = null;
      };
    }
    const merge = new MergeView({
      parent: host.current,
      a: {
        doc: left,
        extensions: [editorSetup(), ...readOnly, EditorView.contentAttributes.of({ "aria-label": leftLabel })],
      },
      b: {
        doc,
        extensions: [
          editorSetup(),
          ...(editable ? [] : readOnly),
          EditorView.contentAttributes.of({ "aria-label": rightLabel }),
        ],
      },
      revertControls: editable ? "a-to-b" : undefined,
      collapseUnchanged: COLLAPSE,
      gutter: true,
    });
    rightView.current = merge.b;
    return () => {
      keep(merge.b);
      merge.destroy();
      rightView.current = null;
    };
  }, [left, right, leftLabel, rightLabel, editable, takeLabel, phone]);

  useImperativeHandle(ref, () => ({ right: () => rightView.current?.state.doc.toString() ?? right }), [right]);

  return (
    <div className="diff">
      <div className={phone ? "diff-labels diff-labels-unified" : "diff-labels"}>
        {phone ? (
          <span>
            {leftLabel} → {rightLabel}
          </span>
        ) : (
          <>
            <span>{leftLabel}</span>
            <span>{rightLabel}</span>
          </>
        )}
      </div>
      <div ref={host} className="diff-view" />
    </div>
  );
});
