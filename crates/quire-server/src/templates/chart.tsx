import React, { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

// A chart of numbers from a function of this project. Change the slug to one of yours; the
// function answers JSON like [{ "label": "Mon", "value": 12 }]. Until it exists, sample data shows.
const FUNCTION_SLUG = "weekly-messages";
const SAMPLE = [
  { label: "Mon", value: 12 },
  { label: "Tue", value: 19 },
  { label: "Wed", value: 7 },
  { label: "Thu", value: 15 },
  { label: "Fri", value: 22 },
];

type Point = { label: string; value: number };

function App() {
  const [points, setPoints] = useState<Point[]>(SAMPLE);
  const [note, setNote] = useState("Sample data");

  useEffect(() => {
    kapso
      .ready()
      .then(() => kapso.invokeFunction<Point[]>({ slug: FUNCTION_SLUG, payload: {} }))
      .then((data) => {
        if (Array.isArray(data)) {
          setPoints(data);
          setNote(`From ${FUNCTION_SLUG}`);
        }
      })
      .catch((e: unknown) => setNote(`Sample data (${e instanceof Error ? e.message : String(e)})`));
  }, []);

  return (
    <main style={{ fontFamily: "system-ui", padding: 24 }}>
      <h1 style={{ fontSize: 20, margin: 0 }}>Messages per day</h1>
      <p style={{ margin: "4px 0 16px", opacity: 0.7 }}>{note}</p>
      <div style={{ width: "100%", height: 300 }}>
        <ResponsiveContainer>
          <BarChart data={points}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="value" fill="#4f46e5" />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </main>
  );
}

const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
