// ESLint (flat config) with typescript-eslint's recommended rules; formatting is Prettier's (`npm run lint` runs both).
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

const nodeGlobals = Object.fromEntries(
  [
    "require",
    "module",
    "exports",
    "process",
    "console",
    "__dirname",
    "__filename",
    "Buffer",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "URL",
  ].map((name) => [name, "readonly"]),
);

export default tseslint.config(
  {
    ignores: [
      "gen/**",
      "dist/**",
      "cdktf.out/**",
      "cdktf.out.*/**",
      "node_modules/**",
      "coverage/**",
      ".gen-tmp/**",
      "examples/*/node_modules/**",
      "examples/*/dist/**",
      "examples/*/cdktf.out/**",
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // The app and the library use cdktf through its public API only: no private module, no deep import.
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["cdktf/lib/*"], message: 'import from "cdktf": its lib/ modules are private' }] },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    languageOptions: { globals: nodeGlobals },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["__tests__/**"],
    rules: {
      // Tests read synthesized JSON and mutate raw configs: `any` is what that data is.
      "@typescript-eslint/no-explicit-any": "off",
      // cdktf's own jest matchers and test adapters live under cdktf/lib/testing.
      "no-restricted-imports": "off",
    },
  },
  {
    files: ["e2e/**"],
    // The e2e harness reads synthesized stacks and Terraform's JSON output, as the tests do.
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  prettier,
);
