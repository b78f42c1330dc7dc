import React from "react";
import { createRoot } from "react-dom/client";

function App() {
  return (
    <main style={{ fontFamily: "system-ui", padding: 24 }}>
      <h1>New page</h1>
      <p>Edit this page and save to see it here.</p>
    </main>
  );
}

const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
