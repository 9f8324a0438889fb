#!/usr/bin/env node
// The console's first-load budget (issue 20): what a browser fetches before first paint
// (the entry script of dist/index.html, its modulepreload links and every chunk they
// import statically, transitively) is at most 350 KB of gzipped JavaScript, and holds no
// chunk of the builder (@xyflow), ECharts or CodeMirror: those load with their pages.
//   node scripts/bundle-budget.mjs [LIMIT_KB]   (or BUNDLE_BUDGET_KB=...; default 350)
// BUNDLE_DIST checks another build directory than ui/dist.
// Run after `npm run build`. Exits 1 when over budget or a heavy library loads first.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = process.env.BUNDLE_DIST ?? join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const limitKb = Number(process.argv[2] ?? process.env.BUNDLE_BUDGET_KB ?? 350);
if (!Number.isFinite(limitKb) || limitKb <= 0) {
  console.error(`bundle budget: the limit must be a positive number of KB, not ${process.argv[2] ?? process.env.BUNDLE_BUDGET_KB}`);
  process.exit(2);
}

// Strings only each library's own code holds; minifying keeps them (they are literals).
// Each must be found in some chunk of the build, else the check would be blind.
const HEAVY = {
  "@xyflow": ["reactflow.dev/error", "react-flow__pane"],
  ECharts: ["_echarts_instance_"],
  CodeMirror: ["Unrecognized extension value in extension set", "cm-announced"],
};

// KB as vite prints them (1000 bytes): the stricter reading of the budget.
const kb = (bytes) => (bytes / 1000).toFixed(1);
const fail = (message) => {
  console.error(`bundle budget: ${message}`);
  process.exitCode = 1;
};

let html;
try {
  html = readFileSync(join(dist, "index.html"), "utf8");
} catch {
  console.error(`bundle budget: ${join(dist, "index.html")} is missing; run \`npm run build\` first`);
  process.exit(2);
}

/** `/assets/x.js` of the page, as a path inside dist. */
const inDist = (href) => posix.normalize(href.replace(/^\//, ""));
const attr = (tag, name) => new RegExp(`\\b${name}=["']([^"']+)["']`).exec(tag)?.[1];

const roots = [];
for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) {
  if (attr(tag, "type") === "module" && attr(tag, "src")) roots.push(inDist(attr(tag, "src")));
}
if (roots.length === 0) {
  console.error("bundle budget: no <script type=module src> in dist/index.html");
  process.exit(2);
}
const entry = roots[0];
for (const [tag] of html.matchAll(/<link\b[^>]*>/g)) {
  if (attr(tag, "rel") === "modulepreload" && attr(tag, "href")) roots.push(inDist(attr(tag, "href")));
}

const texts = new Map();
const text = (file) => {
  if (!texts.has(file)) texts.set(file, readFileSync(join(dist, file), "utf8"));
  return texts.get(file);
};
const gzipped = new Map();
const size = (file) => {
  if (!gzipped.has(file)) gzipped.set(file, gzipSync(text(file), { level: 9 }).length);
  return gzipped.get(file);
};

// `import{a as b}from"./x.js"`, `import"./x.js"`, `export*from"./x.js"`: loaded before the
// chunk runs. `import("./x.js")` (a call) is not matched: it loads when the page opens.
const STATIC_IMPORT = /\b(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["']([^"']+\.js)["']/g;

const firstLoad = new Set();
const queue = [...roots];
while (queue.length > 0) {
  const file = queue.shift();
  if (firstLoad.has(file)) continue;
  firstLoad.add(file);
  for (const [, specifier] of text(file).matchAll(STATIC_IMPORT)) {
    if (specifier.startsWith(".")) queue.push(posix.join(posix.dirname(file), specifier));
  }
}

const chunks = readdirSync(join(dist, "assets"))
  .filter((name) => name.endsWith(".js"))
  .map((name) => `assets/${name}`);
const lazy = chunks.filter((file) => !firstLoad.has(file));
const total = [...firstLoad].reduce((sum, file) => sum + size(file), 0);

for (const [library, markers] of Object.entries(HEAVY)) {
  const holding = chunks.filter((file) => markers.some((marker) => text(file).includes(marker)));
  if (holding.length === 0) fail(`no chunk holds ${library} (markers ${markers.join(", ")}): update the markers`);
  for (const file of holding.filter((each) => firstLoad.has(each))) fail(`${library} is in the first load (${file}); load it lazily`);
}

const biggest = lazy
  .map((file) => [file, size(file)])
  .sort((a, b) => b[1] - a[1])
  .slice(0, 4)
  .map(([file, bytes]) => `${posix.basename(file)} ${kb(bytes)}`)
  .join(", ");
console.log(
  `bundle budget: entry ${posix.basename(entry)} ${kb(size(entry))} KB gzip; first load ${kb(total)} KB gzip ` +
    `in ${firstLoad.size} chunk(s) (limit ${limitKb} KB); biggest lazy: ${biggest}`,
);
if (total > limitKb * 1000) fail(`the first load is ${kb(total)} KB gzip, over the ${limitKb} KB budget`);
