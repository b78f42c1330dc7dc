/**
 * Entry point of Quire's own UI, bundled by quire-compiler at server start
 * (crates/quire-server/src/ui.rs) into /assets/app-<hash>.js and .css.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
