/**
 * The studio's source editor: CodeMirror 6 with TSX, the usual keys (search, multiple
 * cursors, bracket matching, folding, comment toggling), Ctrl/Cmd-S to save, diagnostics at
 * their place with a gutter marker, and completion and hover from TypeScript (typescriptAssist).
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
import { lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorSelection, EditorState, Prec, type Extension } from "@codemirror/state";
import {
  EditorView,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";
import { classHighlighter } from "@lezer/highlight";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import { typescriptAssist } from "./typescriptAssist";

/** A problem at a 1-based line and column of the source. */
export interface Problem {
  severity: "error" | "warning" | "info";
  line: number;
  column: number;
  message: string;
  help?: string | null;
  /** Where it came from: the compiler, or the type checker. */
  source: string;
}

export interface CodeEditorHandle {
  /** Puts the cursor at a 1-based line and column and focuses the editor. */
  goTo(line: number, column: number): void;
  /** Replaces the whole text (loading another version), keeping undo history. */
  replace(text: string): void;
  text(): string;
  focus(): void;
}

/** The nonce the app's policy allows `<style>` elements with, from the served document. */
const styleNonce =
  document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? "";

/** The basic setup, spelled out: what VS Code users expect, nothing that fights the app. */
export function editorSetup(): Extension[] {
  return [
    EditorView.cspNonce.of(styleNonce),
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    syntaxHighlighting(classHighlighter),
    bracketMatching(),
    closeBrackets(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    javascript({ jsx: true, typescript: true }),
  ];
}

/** A diagnostic's offset in `state`, clamped into the document. */
export function offsetOf(state: EditorState, line: number, column: number): number {
  const lineNumber = Math.min(Math.max(line, 1), state.doc.lines);
  const at = state.doc.line(lineNumber);
  return Math.min(at.from + Math.max(column - 1, 0), at.to);
}

function toDiagnostics(state: EditorState, problems: Problem[]): Diagnostic[] {
  return problems.map((problem) => {
    const from = offsetOf(state, problem.line, problem.column);
    const lineEnd = state.doc.lineAt(from).to;
    // Underline the word at the place, or at least one character.
    const word = state.wordAt(from);
    const to = word && word.from === from ? word.to : Math.min(from + 1, lineEnd);
    return {
      from,
      to: Math.max(to, from),
      severity: problem.severity,
      source: problem.source,
      message: problem.help ? `${problem.message}\n${problem.help}` : problem.message,
    };
  });
}

function editability(readOnly: boolean): Extension {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

export const CodeEditor = forwardRef<
  CodeEditorHandle,
  {
    initialText: string;
    problems: Problem[];
    readOnly?: boolean;
    label: string;
    onChange?: (text: string) => void;
    onSave?: () => void;
  }
>(function CodeEditor({ initialText, problems, readOnly, label, onChange, onSave }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onSave });
  callbacks.current = { onChange, onSave };
  // Read-only can change after the editor is made (while the page agent writes).
  const editable = useRef(new Compartment());

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: "Mod-s",
                preventDefault: true,
                run: () => {
                  callbacks.current.onSave?.();
                  return true;
                },
              },
            ]),
          ),
          editorSetup(),
          autocompletion(),
          typescriptAssist(),
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
          editable.current.of(editability(readOnly ?? false)),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onChange?.(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; later texts arrive through `replace`.
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: editable.current.reconfigure(editability(readOnly ?? false)) });
  }, [readOnly]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    editor.dispatch(setDiagnostics(editor.state, toDiagnostics(editor.state, problems)));
  }, [problems]);

  useImperativeHandle(
    ref,
    () => ({
      goTo(line, column) {
        const editor = view.current;
        if (!editor) return;
        const at = offsetOf(editor.state, line, column);
        editor.dispatch({
          selection: EditorSelection.cursor(at),
          effects: EditorView.scrollIntoView(at, { y: "center" }),
        });
        editor.focus();
      },
      replace(text) {
        const editor = view.current;
        if (!editor) return;
        editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
      },
      text() {
        return view.current?.state.doc.toString() ?? "";
      },
      focus() {
        view.current?.focus();
      },
    }),
    [],
  );

  return <div ref={host} className="code-editor" data-testid="code-editor" />;
});
