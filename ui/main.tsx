/**
 * Entry point of Quire's own UI, bundled by quire-compiler at server start
 * (crates/quire-server/src/ui/build.rs) into /assets/app-<hash>.js and .css.
 */
import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { embedToken, linkToken } from "./api/client";
import { queryClient } from "./api/queries";
import { App } from "./App";
import { EmbeddedInbox } from "./screens/inbox/EmbeddedInbox";
import { SharedPage } from "./screens/SharedPage";
import { Toasts } from "./components/Toasts";
import { applyTheme } from "./theme";
import "./styles.css";

applyTheme();
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <Toasts>{embedToken ? <EmbeddedInbox /> : linkToken ? <SharedPage /> : <App />}</Toasts>
      </QueryClientProvider>
    </StrictMode>,
  );
}
