// Workers-style Web APIs for Quire functions. Compiled to bytecode at build time (rquickjs
// `embed!`) and evaluated once per isolate as the module `quire:shim`, before the function's own
// code. `host` holds the Rust host functions (see web_api.rs), handed over through a global that is
// removed at once; the runtime's entry points go back to Rust through `host.register` and live
// only in closures, so nothing of the host plumbing is reachable from the function's code.
//
// The request/response path runs on every call, in an interpreter: it keeps objects and
// properties few (each property an object gets costs about as much as a function call), and
// creates promises only where the Web API needs one.
{
  const host = globalThis.__quire_host;
  delete globalThis.__quire_host;
  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  const kAttach = Symbol("attach");
  const kReset = Symbol("reset");
  const kSetSearch = Symbol("setSearch");

  // ---------- DOMException
  class DOMException extends Error {
    constructor(message = "", name = "Error") {
      super(message);
      Object.defineProperty(this, "name", { value: String(name), configurable: true, writable: true });
    }
  }
  define("DOMException", DOMException);

  // ---------- UTF-8
  function utf8Encode(input) {
    const s = String(input);
    const out = new Uint8Array(s.length * 3);
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out[n++] = c;
      else if (c < 0x800) { out[n++] = 0xc0 | (c >> 6); out[n++] = 0x80 | (c & 63); }
      else if (c < 0x10000) { out[n++] = 0xe0 | (c >> 12); out[n++] = 0x80 | ((c >> 6) & 63); out[n++] = 0x80 | (c & 63); }
      else { out[n++] = 0xf0 | (c >> 18); out[n++] = 0x80 | ((c >> 12) & 63); out[n++] = 0x80 | ((c >> 6) & 63); out[n++] = 0x80 | (c & 63); }
    }
    return out.slice(0, n);
  }
  function utf8Decode(bytes, fatal, ignoreBOM) {
    const n = bytes.length;
    let i = !ignoreBOM && n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    let out = "";
    const buf = [];
    const bad = () => {
      if (fatal) throw new TypeError("TextDecoder: the data is not valid UTF-8");
      buf.push(0xfffd);
    };
    while (i < n) {
      const b = bytes[i];
      if (b < 0x80) { buf.push(b); i++; }
      else {
        let need, cp, lower = 0x80, upper = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
        else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0xf; if (b === 0xe0) lower = 0xa0; if (b === 0xed) upper = 0x9f; }
        else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 7; if (b === 0xf0) lower = 0x90; if (b === 0xf4) upper = 0x8f; }
        else { bad(); i++; continue; }
        let j = 1;
        for (; j <= need; j++) {
          if (i + j >= n) break;
          const c = bytes[i + j];
          if (c < lower || c > upper) break;
          lower = 0x80; upper = 0xbf;
          cp = (cp << 6) | (c & 0x3f);
        }
        if (j <= need) { bad(); i += j; continue; }
        i += need + 1;
        if (cp >= 0x10000) { cp -= 0x10000; buf.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff)); }
        else buf.push(cp);
      }
      if (buf.length >= 8192) { out += String.fromCharCode.apply(null, buf); buf.length = 0; }
    }
    return out + String.fromCharCode.apply(null, buf);
  }
  // Bytes cross into Rust as a string of code points 0-255 (reading a typed array's memory from
  // Rust would need unsafe code, which this workspace forbids).
  function toBinary(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    return s;
  }
  function toBytes(data) {
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new TypeError("expected an ArrayBuffer or a typed array");
  }
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") { return utf8Encode(input); }
    encodeInto(input, dest) {
      const s = String(input);
      let read = 0, written = 0;
      for (const ch of s) {
        const bytes = utf8Encode(ch);
        if (written + bytes.length > dest.length) break;
        dest.set(bytes, written);
        written += bytes.length;
        read += ch.length;
      }
      return { read, written };
    }
  }
  class TextDecoder {
    #fatal; #ignoreBOM;
    constructor(label = "utf-8", options = {}) {
      const l = String(label).trim().toLowerCase();
      if (l !== "utf-8" && l !== "utf8" && l !== "unicode-1-1-utf-8")
        throw new RangeError(`TextDecoder: the encoding "${label}" is not supported; only utf-8 is`);
      this.#fatal = Boolean(options.fatal);
      this.#ignoreBOM = Boolean(options.ignoreBOM);
    }
    get encoding() { return "utf-8"; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input) {
      if (input === undefined) return "";
      return utf8Decode(toBytes(input), this.#fatal, this.#ignoreBOM);
    }
  }
  define("TextEncoder", TextEncoder);
  define("TextDecoder", TextDecoder);
  define("atob", (data) => host.atob(String(data)));
  define("btoa", (data) => host.btoa(String(data)));

  // ---------- console
  function inspect(value, depth, seen) {
    switch (typeof value) {
      case "string": return depth === 0 ? value : JSON.stringify(value);
      case "function": return `[Function: ${value.name || "(anonymous)"}]`;
      case "bigint": return `${value}n`;
      case "symbol": case "number": case "boolean": case "undefined": return String(value);
    }
    if (value === null) return "null";
    if (value instanceof Error) return value.stack ? `${value.name}: ${value.message}\n${value.stack}`.trimEnd() : `${value.name}: ${value.message}`;
    if (seen.includes(value)) return "[Circular]";
    if (depth > 3) return Array.isArray(value) ? "[Array]" : "[Object]";
    seen = seen.concat([value]);
    if (Array.isArray(value)) return `[ ${value.map((v) => inspect(v, depth + 1, seen)).join(", ")} ]`;
    if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inspect(k, depth + 1, seen)} => ${inspect(v, depth + 1, seen)}`).join(", ")} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${[...value].map((v) => inspect(v, depth + 1, seen)).join(", ")} }`;
    if (value instanceof Date) return value.toISOString();
    if (value instanceof URL || value instanceof URLSearchParams) return `${value.constructor.name} ${JSON.stringify(String(value))}`;
    if (value instanceof Headers) return `Headers { ${[...value].map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")} }`;
    const keys = Object.keys(value);
    const name = value.constructor && value.constructor !== Object ? `${value.constructor.name} ` : "";
    if (keys.length === 0) return `${name}{}`;
    return `${name}{ ${keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(value[k], depth + 1, seen)}`).join(", ")} }`;
  }
  const logger = (level) => (...args) => host.log(level, args.map((a) => inspect(a, 0, [])).join(" "));
  const counts = new Map();
  define("console", {
    log: logger("log"), info: logger("info"), debug: logger("debug"),
    warn: logger("warn"), error: logger("error"), trace: logger("trace"),
    assert: (cond, ...args) => { if (!cond) logger("error")("Assertion failed", ...args); },
    count: (label = "default") => { const n = (counts.get(label) || 0) + 1; counts.set(label, n); logger("log")(`${label}: ${n}`); },
  });

  // ---------- crypto
  define("crypto", {
    randomUUID: () => host.uuid(),
    getRandomValues(array) {
      if (!ArrayBuffer.isView(array) || array instanceof DataView || array instanceof Float32Array || array instanceof Float64Array)
        throw new DOMException("getRandomValues needs an integer typed array", "TypeMismatchError");
      if (array.byteLength > 65536)
        throw new DOMException(`getRandomValues asked for ${array.byteLength} bytes; the limit is 65536`, "QuotaExceededError");
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(host.randomBytes(array.byteLength));
      return array;
    },
  });

  // ---------- timers
  let generation = 0;
  let timerSeq = 0;
  const timers = new Map();
  const report = (where, err) => logger("error")(`Uncaught (in ${where})`, err);
  function setTimeout(callback, ms = 0, ...args) {
    if (typeof callback !== "function") throw new TypeError("setTimeout needs a function");
    const id = ++timerSeq;
    const gen = generation;
    timers.set(id, true);
    host.sleep(Math.max(0, Number(ms) || 0)).then(() => {
      if (gen !== generation || !timers.delete(id)) return;
      try { callback(...args); } catch (err) { report("setTimeout", err); }
    }, () => {});
    return id;
  }
  function setInterval(callback, ms = 0, ...args) {
    if (typeof callback !== "function") throw new TypeError("setInterval needs a function");
    const id = ++timerSeq;
    const gen = generation;
    timers.set(id, true);
    const tick = () => host.sleep(Math.max(1, Number(ms) || 0)).then(() => {
      if (gen !== generation || !timers.has(id)) return;
      try { callback(...args); } catch (err) { report("setInterval", err); }
      tick();
    }, () => {});
    tick();
    return id;
  }
  const clearTimer = (id) => { timers.delete(id); };
  define("setTimeout", setTimeout);
  define("setInterval", setInterval);
  define("clearTimeout", clearTimer);
  define("clearInterval", clearTimer);
  define("queueMicrotask", (cb) => { Promise.resolve().then(() => { try { cb(); } catch (err) { report("queueMicrotask", err); } }); });

  // ---------- structuredClone
  function structuredClone(value) {
    const seen = new Map();
    const clone = (v) => {
      if (typeof v === "function" || typeof v === "symbol")
        throw new DOMException(`${String(v)} could not be cloned`, "DataCloneError");
      if (typeof v !== "object" || v === null) return v;
      if (seen.has(v)) return seen.get(v);
      let out;
      if (v instanceof Date) out = new Date(v.getTime());
      else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
      else if (v instanceof ArrayBuffer) out = v.slice(0);
      else if (ArrayBuffer.isView(v)) out = new v.constructor(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
      else if (v instanceof Boolean || v instanceof Number || v instanceof String) out = Object(v.valueOf());
      else if (v instanceof Error) {
        const Ctor = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[v.name] || Error;
        out = new Ctor(v.message);
        if (v.stack !== undefined) out.stack = v.stack;
      } else if (v instanceof Map) {
        out = new Map(); seen.set(v, out);
        for (const [k, x] of v) out.set(clone(k), clone(x));
        return out;
      } else if (v instanceof Set) {
        out = new Set(); seen.set(v, out);
        for (const x of v) out.add(clone(x));
        return out;
      } else if (Array.isArray(v)) {
        out = new Array(v.length); seen.set(v, out);
        for (let i = 0; i < v.length; i++) if (i in v) out[i] = clone(v[i]);
        return out;
      } else if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) {
        throw new DOMException(`${Object.prototype.toString.call(v)} could not be cloned`, "DataCloneError");
      } else {
        out = {}; seen.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k]);
        return out;
      }
      seen.set(v, out);
      return out;
    };
    return clone(value);
  }
  define("structuredClone", structuredClone);

  // ---------- URLSearchParams
  function formEncode(s) {
    const bytes = utf8Encode(s);
    let out = "";
    for (const b of bytes) {
      if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2a || b === 0x2d || b === 0x2e || b === 0x5f)
        out += String.fromCharCode(b);
      else if (b === 0x20) out += "+";
      else out += "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
    }
    return out;
  }
  const isHex = (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
  function percentDecode(s) {
    if (!s.includes("%")) return s;
    const bytes = utf8Encode(s);
    const out = new Uint8Array(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
        out[n++] = parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16);
        i += 2;
      } else out[n++] = bytes[i];
    }
    return utf8Decode(out.slice(0, n), false, true);
  }
  function parseQuery(s) {
    const list = [];
    for (const part of s.split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? "" : part.slice(eq + 1);
      list.push([percentDecode(name.replace(/\+/g, " ")), percentDecode(value.replace(/\+/g, " "))]);
    }
    return list;
  }
  class URLSearchParams {
    #list = [];
    #url = null;
    constructor(init = "") {
      if (init instanceof URLSearchParams) this.#list = init.#list.map(([k, v]) => [k, v]);
      else if (typeof init === "object" && init !== null) {
        if (typeof init[Symbol.iterator] === "function") {
          for (const pair of init) {
            const p = [...pair];
            if (p.length !== 2) throw new TypeError("URLSearchParams: each pair needs exactly two items");
            this.#list.push([String(p[0]), String(p[1])]);
          }
        } else for (const k of Object.keys(init)) this.#list.push([k, String(init[k])]);
      } else {
        const s = String(init);
        this.#list = parseQuery(s.startsWith("?") ? s.slice(1) : s);
      }
    }
    [kAttach](url) { this.#url = url; }
    [kReset](search) { this.#list = parseQuery(search.startsWith("?") ? search.slice(1) : search); }
    #update() { if (this.#url) this.#url[kSetSearch](this.toString()); }
    get size() { return this.#list.length; }
    append(name, value) { this.#list.push([String(name), String(value)]); this.#update(); }
    delete(name, value) {
      name = String(name);
      this.#list = this.#list.filter(([k, v]) => !(k === name && (value === undefined || v === String(value))));
      this.#update();
    }
    get(name) { name = String(name); const e = this.#list.find(([k]) => k === name); return e ? e[1] : null; }
    getAll(name) { name = String(name); return this.#list.filter(([k]) => k === name).map(([, v]) => v); }
    has(name, value) { name = String(name); return this.#list.some(([k, v]) => k === name && (value === undefined || v === String(value))); }
    set(name, value) {
      name = String(name); value = String(value);
      const i = this.#list.findIndex(([k]) => k === name);
      if (i < 0) this.#list.push([name, value]);
      else {
        this.#list[i][1] = value;
        this.#list = this.#list.filter(([k], j) => j <= i || k !== name);
      }
      this.#update();
    }
    sort() { this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this.#update(); }
    forEach(callback, thisArg) { for (const [k, v] of this.#list) callback.call(thisArg, v, k, this); }
    *entries() { for (const [k, v] of this.#list) yield [k, v]; }
    *keys() { for (const [k] of this.#list) yield k; }
    *values() { for (const [, v] of this.#list) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this.#list.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join("&"); }
    get [Symbol.toStringTag]() { return "URLSearchParams"; }
  }
  define("URLSearchParams", URLSearchParams);

  // ---------- URL (parsing and setters are the WHATWG algorithms of Rust's `url` crate)
  class URL {
    #p;
    #params = null;
    constructor(url, base) {
      this.#p = host.urlParse(String(url), base === undefined ? undefined : String(base));
    }
    static canParse(url, base) { try { new URL(url, base); return true; } catch { return false; } }
    static parse(url, base) { try { return new URL(url, base); } catch { return null; } }
    #set(field, value) {
      this.#p = host.urlSet(this.#p[0], field, String(value));
      if (this.#params && (field === "href" || field === "search")) this.#params[kReset](this.#p[8]);
    }
    [kSetSearch](search) { this.#p = host.urlSet(this.#p[0], "search", search); }
    get searchParams() {
      if (!this.#params) { this.#params = new URLSearchParams(this.#p[8]); this.#params[kAttach](this); }
      return this.#params;
    }
    get href() { return this.#p[0]; }
    set href(v) { this.#set("href", v); }
    get protocol() { return this.#p[1]; }
    set protocol(v) { this.#set("protocol", v); }
    get username() { return this.#p[2]; }
    set username(v) { this.#set("username", v); }
    get password() { return this.#p[3]; }
    set password(v) { this.#set("password", v); }
    get host() { return this.#p[4]; }
    set host(v) { this.#set("host", v); }
    get hostname() { return this.#p[5]; }
    set hostname(v) { this.#set("hostname", v); }
    get port() { return this.#p[6]; }
    set port(v) { this.#set("port", v); }
    get pathname() { return this.#p[7]; }
    set pathname(v) { this.#set("pathname", v); }
    get search() { return this.#p[8]; }
    set search(v) { this.#set("search", v); }
    get hash() { return this.#p[9]; }
    set hash(v) { this.#set("hash", v); }
    get origin() { return this.#p[10]; }
    toString() { return this.#p[0]; }
    toJSON() { return this.#p[0]; }
    get [Symbol.toStringTag]() { return "URL"; }
  }
  define("URL", URL);

  // ---------- Headers
  // A header list is a flat array [name, value, name, value, …] of distinct lowercase names, a
  // repeated name's values joined with ", ". Requests and responses keep one and wrap it in a
  // `Headers` object only when their `headers` is read.
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  // Names and values repeat across calls; remembering validated ones skips the checks.
  const names = new Map();
  const values = new Map();
  const normName = (name) => {
    const n = typeof name === "string" ? name : String(name);
    const known = names.get(n);
    if (known !== undefined) return known;
    if (!TOKEN.test(n)) throw new TypeError(`Headers: "${n}" is not a valid header name`);
    const lower = n.toLowerCase();
    if (names.size < 1000) names.set(n, lower);
    return lower;
  };
  const isSpace = (c) => c === 32 || c === 9 || c === 10 || c === 13;
  const normValue = (value) => {
    const raw = typeof value === "string" ? value : String(value);
    const known = values.get(raw);
    if (known !== undefined) return known;
    let v = raw, a = 0, b = v.length;
    while (a < b && isSpace(v.charCodeAt(a))) a++;
    while (b > a && isSpace(v.charCodeAt(b - 1))) b--;
    if (a > 0 || b < v.length) v = v.slice(a, b);
    if (v.indexOf("\0") >= 0 || v.indexOf("\r") >= 0 || v.indexOf("\n") >= 0)
      throw new TypeError("Headers: a header value may not contain NUL, CR or LF");
    if (values.size < 1000 && raw.length <= 200) values.set(raw, v);
    return v;
  };
  function listIndex(list, name) {
    for (let i = 0; i < list.length; i += 2) if (list[i] === name) return i;
    return -1;
  }
  function listGet(list, name) {
    const i = listIndex(list, name);
    return i < 0 ? null : list[i + 1];
  }
  function listAppend(list, name, value) {
    const i = listIndex(list, name);
    if (i < 0) list.push(name, value);
    else list[i + 1] = `${list[i + 1]}, ${value}`;
  }
  function listSet(list, name, value) {
    const i = listIndex(list, name);
    if (i < 0) list.push(name, value);
    else list[i + 1] = value;
  }
  // A header list from flat pairs whose names are valid but may repeat or have capitals.
  function listFromPairs(flat) {
    const list = [];
    for (let i = 0; i < flat.length; i += 2) listAppend(list, flat[i].toLowerCase(), flat[i + 1]);
    return list;
  }
  let headerList, wrapHeaders;
  // Taken before the function's code runs, which may replace the globals.
  const { isArray } = Array;
  const { keys: ownKeys } = Object;
  const ITERATOR = Symbol.iterator;
  // Fills `list` from a HeadersInit: Headers, an array or iterable of pairs, or a record.
  function fillHeaders(list, init) {
    if (typeof init !== "object") throw new TypeError("Headers: init must be an object, an array of pairs or Headers");
    if (isArray(init)) {
      for (let i = 0; i < init.length; i++) {
        let p = init[i];
        if (!isArray(p)) {
          if (p === null || typeof p !== "object") throw new TypeError("Headers: each pair needs exactly two items");
          p = [...p];
        }
        if (p.length !== 2) throw new TypeError("Headers: each pair needs exactly two items");
        listAppend(list, normName(p[0]), normValue(p[1]));
      }
    } else if (init instanceof Headers) {
      const from = headerList(init);
      for (let i = 0; i < from.length; i++) list.push(from[i]);
    } else if (typeof init[ITERATOR] === "function") {
      for (const pair of init) {
        const p = [...pair];
        if (p.length !== 2) throw new TypeError("Headers: each pair needs exactly two items");
        listAppend(list, normName(p[0]), normValue(p[1]));
      }
    } else {
      const keys = ownKeys(init);
      for (let i = 0; i < keys.length; i++) listAppend(list, normName(keys[i]), normValue(init[keys[i]]));
    }
  }
  class Headers {
    #list = [];
    constructor(init) {
      if (init !== undefined && init !== null) fillHeaders(this.#list, init);
    }
    append(name, value) { listAppend(this.#list, normName(name), normValue(value)); }
    set(name, value) { listSet(this.#list, normName(name), normValue(value)); }
    get(name) { return listGet(this.#list, normName(name)); }
    has(name) { return listIndex(this.#list, normName(name)) >= 0; }
    delete(name) {
      const i = listIndex(this.#list, normName(name));
      if (i >= 0) this.#list.splice(i, 2);
    }
    getSetCookie() { const v = listGet(this.#list, "set-cookie"); return v === null ? [] : [v]; }
    forEach(callback, thisArg) { for (const [k, v] of this) callback.call(thisArg, v, k, this); }
    *entries() {
      const list = this.#list, pairs = [];
      for (let i = 0; i < list.length; i += 2) pairs.push([list[i], list[i + 1]]);
      yield* pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
    static {
      headerList = (headers) => headers.#list;
      // Headers over an existing list, which the two then share.
      wrapHeaders = (list) => { const h = new Headers(); h.#list = list; return h; };
    }
  }
  define("Headers", Headers);

  // ---------- Body, Request, Response
  // A request's or response's state is one array (cheaper than a property each); the slots
  // below 3 are the same in both, so the body helpers serve both.
  const LIST = 0, HEADERS = 1, DATA = 2, USED = 3;
  const METHOD = 4, URL_ = 5, REDIRECT = 6;
  const STATUS = 4, STATUS_TEXT = 5, RES_URL = 6, REDIRECTED = 7;
  const TEXT_TYPE = "text/plain;charset=UTF-8";
  // Converts a BodyInit to a string or bytes, adding the content type it implies.
  function extractBody(body, list) {
    let contentType = null, data;
    if (typeof body === "string") { data = body; contentType = TEXT_TYPE; }
    else if (body instanceof URLSearchParams) { data = body.toString(); contentType = "application/x-www-form-urlencoded;charset=UTF-8"; }
    else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) data = toBytes(body).slice();
    else { data = String(body); contentType = TEXT_TYPE; }
    if (contentType !== null && listIndex(list, "content-type") < 0) list.push("content-type", contentType);
    return data;
  }
  // Body data is null, a string, or a Uint8Array.
  function consume(s) {
    if (s[USED]) throw new TypeError("body has already been read");
    s[USED] = true;
    return s[DATA];
  }
  function textOf(s) {
    const d = consume(s);
    return d === null ? "" : typeof d === "string" ? d : utf8Decode(d, false, false);
  }
  function bytesOf(s) {
    const d = consume(s);
    return d === null ? new Uint8Array(0) : typeof d === "string" ? utf8Encode(d) : d.slice();
  }
  // The runtime hands a request's header list over as one string, "name\0value\0…", split only
  // if the function reads the headers.
  function listOf(s) {
    const list = s[LIST];
    if (typeof list !== "string") return list;
    return (s[LIST] = list === "" ? [] : list.split("\0"));
  }
  const headersOf = (s) => s[HEADERS] ?? (s[HEADERS] = wrapHeaders(listOf(s)));
  const bodyOf = (s) => { const d = s[DATA]; return d === null ? null : typeof d === "string" ? utf8Encode(d) : d; };
  // Promise-returning rather than async: each async frame costs a microtask.
  const textPromise = (s) => { try { return Promise.resolve(textOf(s)); } catch (err) { return Promise.reject(err); } };
  const jsonPromise = (s) => { try { return Promise.resolve(JSON.parse(textOf(s))); } catch (err) { return Promise.reject(err); } };
  const bytesPromise = (s) => { try { return Promise.resolve(bytesOf(s)); } catch (err) { return Promise.reject(err); } };
  const formData = async () => { throw new TypeError("formData() is not supported; use text() or json()"); };
  const blob = async () => { throw new TypeError("blob() is not supported; use arrayBuffer() or bytes()"); };

  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
  // Passed as the first argument, makes the constructors take their state as it is.
  const kState = Symbol("state");
  let requestState, responseState;
  class Request {
    #s;
    constructor(input, init) {
      if (input === kState) { this.#s = init; return; }
      let method = "GET", url, redirect = "follow", list = [], data = null;
      if (input instanceof Request) {
        const from = input.#s;
        method = from[METHOD]; url = from[URL_]; redirect = from[REDIRECT];
        list = listOf(from).slice();
        data = from[DATA];
      } else url = host.urlParse(String(input), undefined)[0];
      if (init !== undefined && init !== null) {
        if (init.method !== undefined) {
          const m = String(init.method);
          if (!TOKEN.test(m)) throw new TypeError(`Request: "${m}" is not a valid method`);
          method = METHODS.includes(m.toUpperCase()) ? m.toUpperCase() : m;
        }
        if (init.headers !== undefined) { list = []; if (init.headers !== null) fillHeaders(list, init.headers); }
        if (init.redirect !== undefined) {
          if (!["follow", "manual", "error"].includes(init.redirect)) throw new TypeError(`Request: redirect must be "follow", "manual" or "error"`);
          redirect = init.redirect;
        }
        if (init.body !== undefined && init.body !== null) {
          if (method === "GET" || method === "HEAD") throw new TypeError(`Request with ${method} method cannot have a body`);
          data = extractBody(init.body, list);
        }
      }
      this.#s = [list, null, data, false, method, url, redirect];
    }
    get method() { return this.#s[METHOD]; }
    get url() { return this.#s[URL_]; }
    get headers() { return headersOf(this.#s); }
    get redirect() { return this.#s[REDIRECT]; }
    get signal() { return undefined; }
    get body() { return bodyOf(this.#s); }
    get bodyUsed() { return this.#s[USED]; }
    text() { return textPromise(this.#s); }
    json() { return jsonPromise(this.#s); }
    bytes() { return bytesPromise(this.#s); }
    arrayBuffer() { return bytesPromise(this.#s).then((b) => b.buffer); }
    formData() { return formData(); }
    blob() { return blob(); }
    clone() {
      if (this.#s[USED]) throw new TypeError("Request.clone: body has already been read");
      return new Request(this);
    }
    get [Symbol.toStringTag]() { return "Request"; }
    static { requestState = (r) => r.#s; }
  }
  const NULL_BODY = [101, 103, 204, 205, 304];
  class Response {
    #s;
    constructor(body = null, init = undefined) {
      if (body === kState) { this.#s = init; return; }
      let status = 200, statusText = "";
      const list = [];
      if (init !== undefined && init !== null) {
        if (init.status !== undefined) {
          status = Number(init.status);
          if (!Number.isInteger(status) || status < 200 || status > 599)
            throw new RangeError(`Response: status ${init.status} is not in the range 200 to 599`);
        }
        if (init.statusText !== undefined) statusText = String(init.statusText);
        if (init.headers !== undefined && init.headers !== null) fillHeaders(list, init.headers);
      }
      let data = null;
      if (body !== null && body !== undefined) {
        if (status !== 200 && NULL_BODY.includes(status)) throw new TypeError(`Response: a ${status} response cannot have a body`);
        data = extractBody(body, list);
      }
      this.#s = [list, null, data, false, status, statusText, "", false];
    }
    static json(data, init = undefined) {
      const body = JSON.stringify(data);
      if (body === undefined) throw new TypeError("Response.json: the value cannot be serialized to JSON");
      const response = new Response(null, init);
      const s = response.#s;
      if (NULL_BODY.includes(s[STATUS])) throw new TypeError(`Response: a ${s[STATUS]} response cannot have a body`);
      if (listIndex(s[LIST], "content-type") < 0) s[LIST].push("content-type", "application/json");
      s[DATA] = body;
      return response;
    }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Response.redirect: ${status} is not a redirect status`);
      return new Response(null, { status, headers: { location: new URL(url).href } });
    }
    static error() { throw new TypeError("Response.error() is not supported"); }
    get status() { return this.#s[STATUS]; }
    get statusText() { return this.#s[STATUS_TEXT]; }
    get ok() { const status = this.#s[STATUS]; return status >= 200 && status < 300; }
    get headers() { return headersOf(this.#s); }
    get url() { return this.#s[RES_URL]; }
    get redirected() { return this.#s[REDIRECTED]; }
    get type() { return "default"; }
    get body() { return bodyOf(this.#s); }
    get bodyUsed() { return this.#s[USED]; }
    text() { return textPromise(this.#s); }
    json() { return jsonPromise(this.#s); }
    bytes() { return bytesPromise(this.#s); }
    arrayBuffer() { return bytesPromise(this.#s).then((b) => b.buffer); }
    formData() { return formData(); }
    blob() { return blob(); }
    clone() {
      const s = this.#s;
      if (s[USED]) throw new TypeError("Response.clone: body has already been read");
      return new Response(kState, [s[LIST].slice(), null, s[DATA], false, s[STATUS], s[STATUS_TEXT], s[RES_URL], s[REDIRECTED]]);
    }
    get [Symbol.toStringTag]() { return "Response"; }
    static { responseState = (r) => r.#s; }
  }
  define("Request", Request);
  define("Response", Response);

  // ---------- fetch
  async function fetch(input, init) {
    const s = requestState(new Request(input, init));
    const data = s[DATA];
    const body = data === null ? undefined : typeof data === "string" ? toBinary(utf8Encode(data)) : toBinary(data);
    const r = await host.fetch(s[METHOD], s[URL_], s[LIST], body, s[REDIRECT]);
    const hasBody = r.body.length > 0 && !NULL_BODY.includes(r.status);
    return new Response(kState, [listFromPairs(r.headers), null, hasBody ? r.body : null, false, r.status, r.statusText, r.url, r.redirected]);
  }
  define("fetch", fetch);

  // ---------- env.KV
  const str = (value) => (typeof value === "string" ? value : String(value));
  const KV = Object.freeze({
    // Plain functions handing back the host's promise: an async wrapper costs a microtask.
    get(key, options) {
      const type = typeof options === "string" ? options : options && options.type;
      if (type === undefined || type === "text") return host.kvGet(str(key));
      if (type !== "json") return Promise.reject(new TypeError(`KV.get: type "${type}" is not supported; use "text" or "json"`));
      return host.kvGet(str(key)).then((value) => (value === null ? null : JSON.parse(value)));
    },
    put(key, value, options) {
      const ttl = options && options.expirationTtl !== undefined ? Number(options.expirationTtl) : undefined;
      if (ttl !== undefined && !(ttl > 0)) return Promise.reject(new TypeError("KV.put: expirationTtl must be a positive number of seconds"));
      return host.kvPut(str(key), str(value), ttl);
    },
    delete(key) { return host.kvDelete(String(key)); },
    async list(options = {}) {
      const limit = options.limit === undefined ? 1000 : Math.max(1, Math.min(1000, Number(options.limit) | 0));
      const names = await host.kvList(options.prefix === undefined ? "" : String(options.prefix), limit + 1);
      const complete = names.length <= limit;
      return { keys: names.slice(0, limit).map((name) => ({ name })), list_complete: complete };
    },
  });

  // ---------- the runtime's entry points (handed to Rust; see shim.rs)
  let handler = null;
  const ctxObject = Object.freeze({ waitUntil(promise) { Promise.resolve(promise).catch((err) => report("waitUntil", err)); }, passThroughOnException() {} });
  const NativePromise = Promise;
  const JSON_HEADERS = Object.freeze(["content-type", "application/json"]);
  const TEXT_HEADERS = Object.freeze(["content-type", TEXT_TYPE]);
  // Starts a call: `list` is the request's header list as one string (see `listOf`), with
  // distinct lowercase names, and `env` holds the secrets. Returns what the handler returned; a
  // promise is settled by Rust.
  function run(method, url, list, body, env) {
    generation++;
    if (timers.size !== 0) timers.clear();
    const data = body.length > 0 && method !== "GET" && method !== "HEAD" ? body : null;
    const request = new Request(kState, [list, null, data, false, method, url, "follow"]);
    env.KV = KV;
    const result = typeof handler === "function" ? handler(request, env, ctxObject) : handler.fetch(request, env, ctxObject);
    // A thenable that is not a promise is adopted, as `await` would.
    if (result !== null && typeof result === "object" && !(result instanceof NativePromise) && typeof result.then === "function")
      return NativePromise.resolve(result);
    return result;
  }
  // The handler's settled result as [status, header list, body, body is binary], or a string
  // naming what was returned instead of a response.
  function wire(result) {
    if (result instanceof Response) {
      const s = responseState(result), data = s[DATA];
      return typeof data === "string" || data === null ? [s[STATUS], s[LIST], data, false] : [s[STATUS], s[LIST], toBinary(data), true];
    }
    switch (typeof result) {
      case "undefined": return [200, JSON_HEADERS, "null", false];
      case "string": return [200, TEXT_HEADERS, result, false];
      case "function": case "symbol": case "bigint": return `a ${typeof result}`;
    }
    return [200, JSON_HEADERS, JSON.stringify(result), false];
  }
  // Whether a thrown value is the engine's own out-of-memory error: an InternalError of this
  // realm (captured before the function's code runs) whose message is "out of memory", or that
  // has no message because even that string could not be allocated. Allocates nothing.
  const InternalErrorPrototype = InternalError.prototype;
  const { getPrototypeOf, hasOwn } = Object;
  function isOutOfMemory(value) {
    if (value === null || typeof value !== "object" || getPrototypeOf(value) !== InternalErrorPrototype) return false;
    if (!hasOwn(value, "message")) return true;
    const message = value.message;
    return message === "out of memory" || message === "out of memory in regexp execution";
  }
  host.register([
    run,
    wire,
    (h) => { handler = h; },
    isOutOfMemory,
    (s) => toBinary(utf8Encode(s)),
  ]);
}
