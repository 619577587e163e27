/** `node …/e2e/build-images.js`: builds (or reuses) the e2e images and prints their digests. */
import { buildImages } from "./images";

const started = Date.now();
const images = buildImages((line) => console.log(line));
console.log(JSON.stringify(images, null, 2));
console.log(`${images.cached ? "cached" : "built"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
