"use client";
import React, { useState } from "react";
import { createRoot } from "react-dom/client";
function App() {
  const [result, setResult] = useState<unknown>(null);
  async function load() {
    await kapso.ready();
    const data = await kapso.invokeFunction({ slug: "your-function-slug", payload: { id: "123" } });
    setResult(data);
  }
  return (<div style={{ fontFamily: "system-ui", padding: 24 }}><button onClick={load}>Load</button>
    <pre>{result ? JSON.stringify(result, null, 2) : "No data"}</pre></div>);
}
const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
