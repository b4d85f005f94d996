// ESLint 9 flat config: `npm run lint` runs typescript-eslint's *recommended*
// rules (not the type-checked set, to keep the run fast) on every TypeScript
// file of the repo.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        // Build output, generated and downloaded files. (ESLint 9 ignores
        // node_modules/ by default; it is listed to make that explicit.)
        ignores: [
            "node_modules/",
            "bin/",
            "rendered/",
            "e2e/artifacts/",
            "class-kubeconfigs/",
            "**/*.d.ts",
            "**/*.js.map",
        ],
    },
    eslint.configs.recommended,
    ...tseslint.configs.recommended,
    {
        // No Node globals needed: typescript-eslint's recommended set turns
        // `no-undef` off for TypeScript files (the compiler checks that, with
        // @types/node), and this file is the only JavaScript that gets linted.
        linterOptions: {
            // An eslint-disable comment that no longer silences anything is
            // an error, so silenced lines do not outlive their reason.
            reportUnusedDisableDirectives: "error",
        },
    },
);
