// ESLint for the page's ES modules (static/, served as-is: no bundler) and their node tests.
// `make lint` and `make test` run it. Beyond the recommended set, the rules below are the ones
// that catch real bugs in code like ours: a misspelt or stale name, `==` between an id and a
// string, a `let` that was meant to stay put.
import js from "@eslint/js";
import globals from "globals";

const CONFUSABLE_GLOBALS = [
  "event", "name", "status", "length", "close", "closed", "open", "top", "parent", "self",
  "origin", "find", "stop", "focus", "blur",
];

export default [
  {
    // What the Python side and collectstatic leave around (Django admin's own scripts among it).
    ignores: [".venv/", "var/", "staticfiles/", "build/", "test-artifacts/"],
  },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error",
    },
    rules: {
      // Unused names are stale code or a typo for another name; a catch binding may go unused.
      "no-unused-vars": ["error", { caughtErrors: "none" }],
      // Ids come as numbers from JSON and as strings from the DOM (dataset, location.hash).
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
      // A parameter or local hiding an outer one (`desk`, `store`, `event`) reads the wrong thing.
      "no-shadow": "error",
      // A module-level const used before its line throws at import time (functions may hoist).
      "no-use-before-define": ["error", { functions: false }],
      "no-unused-expressions": ["error", { allowShortCircuit: true, allowTernary: true }],
      "array-callback-return": "error",
      "no-promise-executor-return": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-throw-literal": "error",
    },
  },
  {
    // The page: browser globals only, and not the ones a forgotten parameter silently becomes
    // (a handler reading `event` or `name` without declaring it gets window's).
    files: ["static/**/*.js"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "no-restricted-globals": ["error", ...CONFUSABLE_GLOBALS],
    },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
];
