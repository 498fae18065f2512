// GraphiQL, served offline: the page is small, and its scripts, styles and
// editor workers are separate files of this server under /graphiql/, named by
// their content's hash, so a browser downloads the ~9 MB once and caches them.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Plugin } from "graphql-yoga";

interface StaticAsset {
  type: string;
  body: Uint8Array;
  gzipped?: Uint8Array;
}

const ASSET_PREFIX = "/graphiql/";

function hashed(name: string, ext: string, body: Uint8Array | string): [string, Uint8Array] {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return [`${name}.${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}.${ext}`, bytes];
}

interface GraphiqlAssets {
  files: Map<string, StaticAsset>;
  page: (opts: object) => string;
}

let graphiqlAssets: Promise<GraphiqlAssets> | undefined;

/**
 * The GraphiQL files and the page that loads them, built once per process at
 * the first GraphiQL request: the bundle takes ~0.7 s to load, which start-up
 * (and every API-only process) does not pay.
 */
export function graphiql(): Promise<GraphiqlAssets> {
  graphiqlAssets ??= import("@graphql-yoga/render-graphiql/graphiql").then(buildAssets);
  return graphiqlAssets;
}

function buildAssets(graphiqlBundle: typeof import("@graphql-yoga/render-graphiql/graphiql")): GraphiqlAssets {
  const files = new Map<string, StaticAsset>();
  const add = (name: string, ext: string, type: string, body: Uint8Array | string) => {
    const [file, bytes] = hashed(name, ext, body);
    files.set(file, { type, body: bytes });
    return ASSET_PREFIX + file;
  };
  const js = "application/javascript; charset=utf-8";
  const workers = {
    editorWorkerService: add("editor.worker", "js", js, graphiqlBundle.editorWorkerService),
    json: add("json.worker", "js", js, graphiqlBundle.jsonWorker),
    graphql: add("graphql.worker", "js", js, graphiqlBundle.graphqlWorker),
  };
  const favicon = /^data:image\/x-icon;base64,/.test(graphiqlBundle.favicon)
    ? add("favicon", "ico", "image/x-icon", Buffer.from(graphiqlBundle.favicon.replace(/^data:[^,]*,/, ""), "base64"))
    : graphiqlBundle.favicon;
  const css = add("graphiql", "css", "text/css; charset=utf-8", graphiqlBundle.css);
  // Monaco asks for its workers by label; they must be known before the editor loads.
  const env = add(
    "environment",
    "js",
    js,
    "self.MonacoEnvironment = { globalAPI: false, " +
      `getWorkerUrl: function (_moduleId, label) { return ${JSON.stringify(workers)}[label]; } };\n`,
  );
  const app = add("graphiql", "js", js, graphiqlBundle.js);
  const start = add(
    "start",
    "js",
    js,
    'YogaGraphiQL.renderYogaGraphiQL(document.getElementById("root"), ' +
      'JSON.parse(document.getElementById("graphiql-options").textContent));\n',
  );
  const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  // JSON inside <script>: `<` escaped so no value can close the element.
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");
  const page = (opts: object) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(String((opts as { title?: string }).title ?? "GraphiQL"))}</title>
    <link rel="icon" href="${favicon}" />
    <link rel="stylesheet" href="${css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script id="graphiql-options" type="application/json">${json(opts)}</script>
    <script src="${env}"></script>
    <script src="${app}"></script>
    <script src="${start}"></script>
  </body>
</html>
`;
  return { files, page };
}

/** Serves GraphiQL's files: immutable (their names change with their content), gzipped when the client accepts it. */
export function graphiqlAssetsPlugin(): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(ASSET_PREFIX) || (request.method !== "GET" && request.method !== "HEAD")) return;
      const asset = (await graphiql()).files.get(url.pathname.slice(ASSET_PREFIX.length));
      if (!asset) {
        endResponse(new fetchAPI.Response(null, { status: 404 }));
        return;
      }
      const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "") && asset.body.length > 1024;
      if (gzip) asset.gzipped ??= gzipSync(asset.body);
      const body = gzip ? asset.gzipped! : asset.body;
      endResponse(
        new fetchAPI.Response(request.method === "HEAD" ? null : (body as Uint8Array<ArrayBuffer>), {
          status: 200,
          headers: {
            "content-type": asset.type,
            "content-length": String(body.length),
            "cache-control": "public, max-age=31536000, immutable",
            "x-content-type-options": "nosniff",
            vary: "accept-encoding",
            ...(gzip ? { "content-encoding": "gzip" } : {}),
          },
        }),
      );
    },
  };
}
