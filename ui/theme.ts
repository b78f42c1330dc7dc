/**
 * Light or dark: the system's by default, or the viewer's choice, remembered per browser.
 * The theme in effect sits on `<html data-theme>`, which styles.css reads, and framed pages
 * get it through the bridge's context.
 */
import { useSyncExternalStore } from "react";

export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

const KEY = "quire.theme";
const CHANGED = "quire:theme";
const dark = () => matchMedia("(prefers-color-scheme: dark)");

export function themeChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(KEY);
    return stored === "light" || stored === "dark" ? stored : "system";
  } catch {
    return "system";
  }
}

/** The theme in effect. */
export function currentTheme(): Theme {
  const choice = themeChoice();
  if (choice !== "system") return choice;
  return dark().matches ? "dark" : "light";
}

/** Puts the theme in effect on `<html>`, now and whenever the system's changes. */
export function applyTheme(): void {
  const apply = () => {
    document.documentElement.dataset.theme = currentTheme();
  };
  apply();
  dark().addEventListener("change", apply);
}

export function chooseTheme(choice: ThemeChoice): void {
  try {
    if (choice === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // storage disabled: the choice lasts until reload
  }
  document.documentElement.dataset.theme = currentTheme();
  window.dispatchEvent(new Event(CHANGED));
}

function subscribe(onChange: () => void): () => void {
  const query = dark();
  query.addEventListener("change", onChange);
  window.addEventListener(CHANGED, onChange);
  return () => {
    query.removeEventListener("change", onChange);
    window.removeEventListener(CHANGED, onChange);
  };
}

/** The theme in effect and the viewer's choice, re-rendering when either changes. */
export function useTheme(): { theme: Theme; choice: ThemeChoice } {
  const theme = useSyncExternalStore(subscribe, currentTheme);
  const choice = useSyncExternalStore(subscribe, themeChoice);
  return { theme, choice };
}
