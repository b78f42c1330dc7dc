// The browser benchmarks measure the release build unless QUIRE_BIN names another binary.
// Imported before anything else, so e2e/lib/server.js (which reads QUIRE_BIN as it loads)
// sees it.
import { fileURLToPath } from "node:url";

process.env.QUIRE_BIN ??= fileURLToPath(new URL("../target/release/quire", import.meta.url));
