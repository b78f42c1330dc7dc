// Workers-style Web APIs for Quire functions. Compiled to bytecode at build time (rquickjs
// `embed!`) and evaluated once per isolate as the module `quire:shim`, before the function's own
// code. `host` holds the Rust host functions (see host.rs), handed over through a global that is
// removed at once; the runtime's entry points go back to Rust through `host.register` and live
// only in closures, so nothing of the host plumbing is reachable from the function's code.
{
  const host = globalThis.__quire_host;
  delete globalThis.__quire_host;
  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  const kAttach = Symbol("attach");
  const kReset = Symbol("reset");
  const kSetSearch = Symbol("setSearch");
  const kBody = Symbol("body");
  const kMeta = Symbol("meta");

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
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  // Header names repeat across calls; remembering validated ones skips the regular expression.
  const names = new Map();
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
    let v = typeof value === "string" ? value : String(value);
    let a = 0, b = v.length;
    while (a < b && isSpace(v.charCodeAt(a))) a++;
    while (b > a && isSpace(v.charCodeAt(b - 1))) b--;
    if (a > 0 || b < v.length) v = v.slice(a, b);
    if (v.indexOf("\0") >= 0 || v.indexOf("\r") >= 0 || v.indexOf("\n") >= 0)
      throw new TypeError("Headers: a header value may not contain NUL, CR or LF");
    return v;
  };
  const kFlat = Symbol("flat");
  const kFromFlat = Symbol("fromFlat");
  class Headers {
    #map = new Map();
    constructor(init) {
      if (init === undefined || init === null) return;
      if (init instanceof Headers) { for (const [k, v] of init.#map) this.#map.set(k, v); return; }
      if (typeof init !== "object") throw new TypeError("Headers: init must be an object, an array of pairs or Headers");
      if (Array.isArray(init)) {
        for (let i = 0; i < init.length; i++) {
          const p = init[i];
          if (!Array.isArray(p) || p.length !== 2) {
            if (p === null || typeof p !== "object" || [...p].length !== 2) throw new TypeError("Headers: each pair needs exactly two items");
            const q = [...p];
            this.append(q[0], q[1]);
          } else this.append(p[0], p[1]);
        }
      } else if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new TypeError("Headers: each pair needs exactly two items");
          this.append(p[0], p[1]);
        }
      } else for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    append(name, value) {
      const k = normName(name), v = normValue(value);
      const cur = this.#map.get(k);
      this.#map.set(k, cur === undefined ? v : `${cur}, ${v}`);
    }
    set(name, value) { this.#map.set(normName(name), normValue(value)); }
    get(name) { const v = this.#map.get(normName(name)); return v === undefined ? null : v; }
    has(name) { return this.#map.has(normName(name)); }
    delete(name) { this.#map.delete(normName(name)); }
    // Name/value pairs flattened, for the runtime.
    [kFlat]() {
      const flat = [];
      for (const [k, v] of this.#map) flat.push(k, v);
      return flat;
    }
    // Headers from the runtime's flattened pairs (names already valid).
    static [kFromFlat](flat) {
      const h = new Headers();
      for (let i = 0; i < flat.length; i += 2) {
        const k = flat[i].toLowerCase(), cur = h.#map.get(k);
        h.#map.set(k, cur === undefined ? flat[i + 1] : `${cur}, ${flat[i + 1]}`);
      }
      return h;
    }
    getSetCookie() { const v = this.#map.get("set-cookie"); return v === undefined ? [] : [v]; }
    forEach(callback, thisArg) { for (const [k, v] of this) callback.call(thisArg, v, k, this); }
    *entries() { yield* [...this.#map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
  }
  define("Headers", Headers);

  // ---------- Body, Request, Response
  function extractBody(body, headers) {
    if (body === undefined || body === null) return null;
    let contentType = null, data;
    if (typeof body === "string") { data = body; contentType = "text/plain;charset=UTF-8"; }
    else if (body instanceof URLSearchParams) { data = body.toString(); contentType = "application/x-www-form-urlencoded;charset=UTF-8"; }
    else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) data = toBytes(body).slice();
    else { data = String(body); contentType = "text/plain;charset=UTF-8"; }
    if (contentType && !headers.has("content-type")) headers.set("content-type", contentType);
    return data;
  }
  class Body {
    #data = null; // null, a string, or a Uint8Array
    #used = false;
    get bodyUsed() { return this.#used; }
    get body() { const d = this.#data; return d === null ? null : typeof d === "string" ? utf8Encode(d) : d; }
    [kBody]() { return this.#data; }
    #init(data) { this.#data = data; }
    static init(target, data) { target.#init(data); }
    #consume() {
      if (this.#used) throw new TypeError("body has already been read");
      this.#used = true;
      return this.#data;
    }
    #textNow() {
      const d = this.#consume();
      return d === null ? "" : typeof d === "string" ? d : utf8Decode(d, false, false);
    }
    // Promise-returning rather than async: each async frame costs a microtask.
    text() { try { return Promise.resolve(this.#textNow()); } catch (err) { return Promise.reject(err); } }
    json() { try { return Promise.resolve(JSON.parse(this.#textNow())); } catch (err) { return Promise.reject(err); } }
    async arrayBuffer() { return (await this.bytes()).buffer; }
    async bytes() {
      const d = this.#consume();
      return d === null ? new Uint8Array(0) : typeof d === "string" ? utf8Encode(d) : d.slice();
    }
    async formData() { throw new TypeError("formData() is not supported; use text() or json()"); }
    async blob() { throw new TypeError("blob() is not supported; use arrayBuffer() or bytes()"); }
  }
  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
  const kTrusted = Symbol("trusted");
  class Request extends Body {
    #method; #url; #headers; #redirect;
    constructor(input, init = {}) {
      super();
      if (input === kTrusted) {
        // The runtime's own request: URL and headers were checked in Rust.
        this.#method = init.method; this.#url = init.url; this.#redirect = "follow";
        this.#headers = Headers[kFromFlat](init.headers);
        Body.init(this, init.body);
        return;
      }
      let data = null;
      if (input instanceof Request) {
        this.#method = input.method; this.#url = input.url; this.#redirect = input.redirect;
        this.#headers = new Headers(input.headers);
        data = input[kBody]();
      } else {
        this.#url = host.urlParse(String(input), undefined)[0];
        this.#method = "GET"; this.#redirect = "follow";
        this.#headers = new Headers();
      }
      if (init.method !== undefined) {
        const m = String(init.method);
        if (!TOKEN.test(m)) throw new TypeError(`Request: "${m}" is not a valid method`);
        this.#method = METHODS.includes(m.toUpperCase()) ? m.toUpperCase() : m;
      }
      if (init.headers !== undefined) this.#headers = new Headers(init.headers);
      if (init.redirect !== undefined) {
        if (!["follow", "manual", "error"].includes(init.redirect)) throw new TypeError(`Request: redirect must be "follow", "manual" or "error"`);
        this.#redirect = init.redirect;
      }
      if (init.body !== undefined && init.body !== null) {
        if (this.#method === "GET" || this.#method === "HEAD") throw new TypeError(`Request with ${this.#method} method cannot have a body`);
        data = extractBody(init.body, this.#headers);
      }
      Body.init(this, data);
    }
    get method() { return this.#method; }
    get url() { return this.#url; }
    get headers() { return this.#headers; }
    get redirect() { return this.#redirect; }
    get signal() { return undefined; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Request.clone: body has already been read");
      return new Request(this);
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  const NULL_BODY = [101, 103, 204, 205, 304];
  class Response extends Body {
    #status; #statusText; #headers; #url = ""; #redirected = false;
    constructor(body = null, init = {}) {
      super();
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 200 || status > 599)
        throw new RangeError(`Response: status ${init.status} is not in the range 200 to 599`);
      this.#status = status;
      this.#statusText = init.statusText === undefined ? "" : String(init.statusText);
      this.#headers = new Headers(init.headers);
      if (body !== null && body !== undefined && NULL_BODY.includes(status))
        throw new TypeError(`Response: a ${status} response cannot have a body`);
      Body.init(this, extractBody(body, this.#headers));
    }
    static json(data, init = {}) {
      const body = JSON.stringify(data);
      if (body === undefined) throw new TypeError("Response.json: the value cannot be serialized to JSON");
      const headers = new Headers(init.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(body, { ...init, headers });
    }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Response.redirect: ${status} is not a redirect status`);
      return new Response(null, { status, headers: { location: new URL(url).href } });
    }
    static error() { throw new TypeError("Response.error() is not supported"); }
    [kMeta](url, redirected) { this.#url = url; this.#redirected = redirected; }
    get status() { return this.#status; }
    get statusText() { return this.#statusText; }
    get ok() { return this.#status >= 200 && this.#status < 300; }
    get headers() { return this.#headers; }
    get url() { return this.#url; }
    get redirected() { return this.#redirected; }
    get type() { return "default"; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Response.clone: body has already been read");
      const r = new Response(null, { status: this.#status, statusText: this.#statusText, headers: this.#headers });
      Body.init(r, this[kBody]());
      r[kMeta](this.#url, this.#redirected);
      return r;
    }
    get [Symbol.toStringTag]() { return "Response"; }
  }
  define("Request", Request);
  define("Response", Response);

  // ---------- fetch
  async function fetch(input, init) {
    const request = new Request(input, init);
    const data = request[kBody]();
    const body = data === null ? undefined : typeof data === "string" ? toBinary(utf8Encode(data)) : toBinary(data);
    const r = await host.fetch(request.method, request.url, request.headers[kFlat](), body, request.redirect);
    const headers = Headers[kFromFlat](r.headers);
    const hasBody = r.body.length > 0 && !NULL_BODY.includes(r.status);
    const response = new Response(hasBody ? r.body : null, { status: r.status, statusText: r.statusText, headers });
    response[kMeta](r.url, r.redirected);
    return response;
  }
  define("fetch", fetch);

  // ---------- env.KV
  const KV = Object.freeze({
    // Plain functions handing back the host's promise: an async wrapper costs a microtask.
    get(key, options) {
      const type = typeof options === "string" ? options : options && options.type;
      if (type === undefined || type === "text") return host.kvGet(String(key));
      if (type !== "json") return Promise.reject(new TypeError(`KV.get: type "${type}" is not supported; use "text" or "json"`));
      return host.kvGet(String(key)).then((value) => (value === null ? null : JSON.parse(value)));
    },
    put(key, value, options) {
      const ttl = options && options.expirationTtl !== undefined ? Number(options.expirationTtl) : undefined;
      if (ttl !== undefined && !(ttl > 0)) return Promise.reject(new TypeError("KV.put: expirationTtl must be a positive number of seconds"));
      return host.kvPut(String(key), String(value), ttl);
    },
    delete(key) { return host.kvDelete(String(key)); },
    async list(options = {}) {
      const limit = options.limit === undefined ? 1000 : Math.max(1, Math.min(1000, Number(options.limit) | 0));
      const names = await host.kvList(options.prefix === undefined ? "" : String(options.prefix), limit + 1);
      const complete = names.length <= limit;
      return { keys: names.slice(0, limit).map((name) => ({ name })), list_complete: complete };
    },
  });

  // ---------- the runtime's entry points
  let handler = null;
  const ctxObject = Object.freeze({ waitUntil(promise) { Promise.resolve(promise).catch((err) => report("waitUntil", err)); }, passThroughOnException() {} });
  function toWire(result) {
    if (result instanceof Response) {
      const flat = result.headers[kFlat]();
      const data = result[kBody]();
      return typeof data === "string" || data === null
        ? { status: result.status, headers: flat, body: data, binary: false }
        : { status: result.status, headers: flat, body: toBinary(data), binary: true };
    }
    switch (typeof result) {
      case "undefined": return { status: 200, headers: ["content-type", "application/json"], body: "null", binary: false };
      case "string": return { status: 200, headers: ["content-type", "text/plain;charset=UTF-8"], body: result, binary: false };
      case "function": case "symbol": case "bigint": return { invalid: `a ${typeof result}` };
    }
    return { status: 200, headers: ["content-type", "application/json"], body: JSON.stringify(result), binary: false };
  }
  // Runs one call: returns the wire form of the response (see `toWire`).
  async function run(method, url, headerPairs, body, secrets) {
    generation++;
    timers.clear();
    const hasBody = body.length > 0 && method !== "GET" && method !== "HEAD";
    const request = new Request(kTrusted, { method, url, headers: headerPairs, body: hasBody ? body : null });
    const env = { ...secrets, KV };
    const result = typeof handler === "function" ? await handler(request, env, ctxObject) : await handler.fetch(request, env, ctxObject);
    return toWire(result);
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
    toWire,
    (h) => { handler = h; },
    isOutOfMemory,
    (s) => toBinary(utf8Encode(s)),
  ]);
}
