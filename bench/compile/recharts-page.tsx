import { createRoot } from "react-dom/client";
import { LineChart, Line, XAxis, YAxis, CartesianGrid, Tooltip } from "recharts";

const data = [
  { day: "Mon", messages: 120 },
  { day: "Tue", messages: 98 },
  { day: "Wed", messages: 143 },
  { day: "Thu", messages: 171 },
  { day: "Fri", messages: 160 },
];

function App() {
  return (
    <LineChart width={480} height={240} data={data}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="day" />
      <YAxis />
      <Tooltip />
      <Line type="monotone" dataKey="messages" stroke="#2563eb" />
    </LineChart>
  );
}

const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
