import React, { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

// Rows come from a function of this project. Change the slug to one of yours; the function
// answers JSON like [{ "id": 1, "name": "Ada", "status": "active" }].
const FUNCTION_SLUG = "list-customers";

type Row = Record<string, unknown>;

function App() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function load() {
    setError(null);
    try {
      await kapso.ready();
      const data = await kapso.invokeFunction<Row[]>({ slug: FUNCTION_SLUG, payload: {} });
      setRows(Array.isArray(data) ? data : []);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  useEffect(() => {
    void load();
  }, []);

  const columns = rows && rows.length > 0 ? Object.keys(rows[0]) : [];
  return (
    <main style={{ fontFamily: "system-ui", padding: 24 }}>
      <header style={{ display: "flex", alignItems: "center", gap: 12 }}>
        <h1 style={{ fontSize: 20, margin: 0 }}>Customers</h1>
        <button onClick={load}>Refresh</button>
      </header>
      {error ? <p style={{ color: "#b42318" }}>Could not load the rows: {error}</p> : null}
      {rows === null && !error ? <p>Loading…</p> : null}
      {rows && rows.length === 0 ? <p>No rows yet.</p> : null}
      {rows && rows.length > 0 ? (
        <table style={{ borderCollapse: "collapse", marginTop: 16, width: "100%" }}>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column} style={{ textAlign: "left", borderBottom: "1px solid #ddd", padding: 8 }}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={index}>
                {columns.map((column) => (
                  <td key={column} style={{ borderBottom: "1px solid #eee", padding: 8 }}>
                    {String(row[column] ?? "")}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}

const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
