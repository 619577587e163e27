// @actions/languageservice is ESM and imports its JSON schemas without `with { type: "json" }`, which Node 20
// refuses. This loader hook adds the attribute to .json imports; load it with `node --import <this file>`.
import { register } from "node:module";

export async function load(url, context, nextLoad) {
  return nextLoad(
    url,
    url.endsWith(".json") ? { ...context, importAttributes: { ...context.importAttributes, type: "json" } } : context,
  );
}

if (!import.meta.url.endsWith("?hooks")) register(`${import.meta.url}?hooks`);
