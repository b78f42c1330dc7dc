/**
 * TypeScript's language service over an in-memory file system holding one page: the page as
 * `/page.tsx`, the `kapso` global's declarations, and the declaration files of TypeScript's
 * libs and of React under `/node_modules/`. The compiler options are the page templates'
 * (crates/quire-server/src/templates/tsconfig.json).
 */
import ts from "typescript";
import type { Completions, Documented, QuickInfo, TypeDiagnostic } from "./protocol";

const PAGE = "/page.tsx";
const KAPSO = "/kapso.d.ts";
/**
 * Packages without declarations here (any npm package a page imports besides React) are
 * `any` rather than errors: the compiler reports the imports it cannot resolve.
 */
const UNTYPED = "/untyped-packages.d.ts";
const NODE_MODULES = "/node_modules/";

/** The libs the server ships (crates/quire-server/src/ui/declarations.rs lists the same). */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // A page is always a module: the compiler bundles it as one.
  moduleDetection: ts.ModuleDetectionKind.Force,
  jsx: ts.JsxEmit.ReactJSX,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
  types: [],
  strict: true,
  // A page may keep Kapso's `import React`.
  noUnusedLocals: false,
  noUnusedParameters: true,
  noFallthroughCasesInSwitch: true,
  isolatedModules: true,
  noEmit: true,
};

export interface PageService {
  diagnostics(text: string): TypeDiagnostic[];
  completions(text: string, offset: number): Completions | null;
  completionDetails(text: string, offset: number, name: string, source?: string): Documented | null;
  quickInfo(text: string, offset: number): QuickInfo | null;
}

/**
 * A service for pages. `declarations` maps paths under node_modules to their text;
 * `kapso` is the text of kapso.d.ts.
 */
export function createPageService(declarations: Record<string, string>, kapso: string): PageService {
  const files = new Map<string, string>([
    [KAPSO, kapso],
    [UNTYPED, 'declare module "*";\n'],
  ]);
  for (const [path, text] of Object.entries(declarations)) files.set(NODE_MODULES + path, text);
  const directories = new Set<string>();
  for (const path of files.keys()) {
    for (let at = path.lastIndexOf("/"); at > 0; at = path.lastIndexOf("/", at - 1)) {
      directories.add(path.slice(0, at));
    }
  }
  // The files never change: one snapshot each, so the service parses each once.
  const snapshots = new Map<string, ts.IScriptSnapshot>();
  let page = "";
  let version = 0;

  const read = (path: string) => (path === PAGE ? page : files.get(path));
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => OPTIONS,
    getScriptFileNames: () => [PAGE, KAPSO, UNTYPED],
    getScriptVersion: (path) => (path === PAGE ? String(version) : "0"),
    getScriptSnapshot(path) {
      if (path === PAGE) return ts.ScriptSnapshot.fromString(page);
      const text = files.get(path);
      if (text === undefined) return undefined;
      let snapshot = snapshots.get(path);
      if (!snapshot) {
        snapshot = ts.ScriptSnapshot.fromString(text);
        snapshots.set(path, snapshot);
      }
      return snapshot;
    },
    getCurrentDirectory: () => "/",
    getDefaultLibFileName: (options) => `${NODE_MODULES}typescript/lib/${ts.getDefaultLibFileName(options)}`,
    fileExists: (path) => read(path) !== undefined,
    readFile: read,
    directoryExists: (path) => directories.has(path.replace(/\/$/, "")),
    getDirectories: (path) => {
      const prefix = path.endsWith("/") ? path : `${path}/`;
      return [...directories]
        .filter((dir) => dir.startsWith(prefix) && !dir.slice(prefix.length).includes("/"))
        .map((dir) => dir.slice(prefix.length));
    },
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());
  // Parse the libs and merge their globals now, not on the first question.
  service.getProgram()?.getTypeChecker();

  function use(text: string) {
    if (text !== page) {
      page = text;
      version += 1;
    }
  }

  function toDiagnostic(diagnostic: ts.Diagnostic, kind: TypeDiagnostic["kind"]): TypeDiagnostic {
    const start = diagnostic.start ?? 0;
    const at = diagnostic.file
      ? ts.getLineAndCharacterOfPosition(diagnostic.file, start)
      : { line: 0, character: 0 };
    return {
      kind,
      category: categoryOf(diagnostic.category),
      line: at.line + 1,
      column: at.character + 1,
      length: diagnostic.length ?? 0,
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
      code: diagnostic.code,
    };
  }

  return {
    diagnostics(text) {
      use(text);
      // As tsc does: type errors only once the syntax is clean.
      const syntax = service.getSyntacticDiagnostics(PAGE);
      if (syntax.length > 0) return syntax.map((d) => toDiagnostic(d, "syntax"));
      return service.getSemanticDiagnostics(PAGE).map((d) => toDiagnostic(d, "type"));
    },

    completions(text, offset) {
      use(text);
      const result = service.getCompletionsAtPosition(PAGE, offset, {
        includeCompletionsWithInsertText: true,
        includeCompletionsForModuleExports: false,
      });
      if (!result) return null;
      return {
        from: result.optionalReplacementSpan?.start,
        entries: result.entries.map((entry) => ({
          name: entry.name,
          kind: entry.kind,
          sortText: entry.sortText,
          insertText: entry.insertText,
          replaceFrom: entry.replacementSpan?.start,
          source: entry.source,
        })),
      };
    },

    completionDetails(text, offset, name, source) {
      use(text);
      const details = service.getCompletionEntryDetails(PAGE, offset, name, undefined, source, undefined, undefined);
      return details ? documented(details) : null;
    },

    quickInfo(text, offset) {
      use(text);
      const info = service.getQuickInfoAtPosition(PAGE, offset);
      if (!info) return null;
      return {
        ...documented(info),
        from: info.textSpan.start,
        to: info.textSpan.start + info.textSpan.length,
      };
    },
  };
}

function categoryOf(category: ts.DiagnosticCategory): TypeDiagnostic["category"] {
  switch (category) {
    case ts.DiagnosticCategory.Error:
      return "error";
    case ts.DiagnosticCategory.Warning:
      return "warning";
    case ts.DiagnosticCategory.Suggestion:
      return "suggestion";
    default:
      return "message";
  }
}

/** A signature with its JSDoc, tags (`@param`, `@returns`, …) on lines of their own. */
function documented(info: {
  displayParts?: ts.SymbolDisplayPart[];
  documentation?: ts.SymbolDisplayPart[];
  tags?: ts.JSDocTagInfo[];
}): Documented {
  const tags = (info.tags ?? []).map((tag) => {
    const text = ts.displayPartsToString(tag.text);
    return text ? `@${tag.name} ${text}` : `@${tag.name}`;
  });
  return {
    signature: ts.displayPartsToString(info.displayParts),
    documentation: [ts.displayPartsToString(info.documentation), ...tags].filter(Boolean).join("\n"),
  };
}
