/**
 * A function's code editor: the studio's CodeMirror setup (editorSetup), completion for the
 * runtime's APIs (runtimeAssist), Ctrl/Cmd-S to save, and the load error at its line and
 * column as a lint diagnostic.
 */
import { autocompletion, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, historyKeymap, indentWithTab } from "@codemirror/commands";
import { foldKeymap } from "@codemirror/language";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { searchKeymap } from "@codemirror/search";
import { EditorSelection, EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { useEffect, useRef, type MutableRefObject } from "react";
import { editorSetup, offsetOf, type Problem } from "../studio/CodeEditor";
import { runtimeAssist } from "./runtimeAssist";

/** What the screen asks of the editor. */
export interface EditorControl {
  goTo(line: number, column: number): void;
  text(): string;
}

export function FunctionEditor({
  initialText,
  problems,
  readOnly,
  secrets,
  onChange,
  onSave,
  control,
}: {
  initialText: string;
  problems: Problem[];
  readOnly: boolean;
  secrets: string[];
  onChange: (text: string) => void;
  onSave: () => void;
  control: MutableRefObject<EditorControl | null>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, onSave, secrets });
  latest.current = { onChange, onSave, secrets };

  useEffect(() => {
    if (!host.current) return;
    const save = { key: "Mod-s", preventDefault: true, run: () => (latest.current.onSave(), true) };
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          Prec.highest(keymap.of([save])),
          editorSetup(),
          autocompletion(),
          runtimeAssist(() => latest.current.secrets),
          lintGutter(),
          keymap.of([
            ...closeBracketsKeymap,
            ...defaultKeymap,
            ...searchKeymap,
            ...historyKeymap,
            ...foldKeymap,
            ...completionKeymap,
            ...lintKeymap,
            indentWithTab,
          ]),
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({ "aria-label": "Function code" }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    control.current = {
      goTo(line, column) {
        const at = offsetOf(editor.state, line, column);
        editor.dispatch({
          selection: EditorSelection.cursor(at),
          effects: EditorView.scrollIntoView(at, { y: "center" }),
        });
        editor.focus();
      },
      text: () => editor.state.doc.toString(),
    };
    return () => {
      editor.destroy();
      view.current = null;
      control.current = null;
    };
    // One editor per function screen; the text it starts with is the saved code.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const diagnostics = problems.map((problem) => {
      const from = offsetOf(editor.state, problem.line, problem.column);
      const to = Math.min(from + 1, editor.state.doc.lineAt(from).to);
      return {
        from,
        to: Math.max(from, to),
        severity: problem.severity,
        source: problem.source,
        message: problem.message,
      };
    });
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [problems]);

  return <div ref={host} className="code-editor" data-testid="code-editor" />;
}
