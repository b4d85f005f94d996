// Makes a module load on first use (deferTypescript.ts, preloaded into the program, uses it for the
// TypeScript compiler that Pulumi's runtime requires as it loads).
import Module, { createRequire } from "module";

/** The id a deferred module's stand-in carries in `require.cache` until its first use. */
export const DEFERRED_PREFIX = "deferred:";

/**
 * Makes `id`, as resolved from `fromDir`, load on first use: until then, requiring it returns a stand-in
 * that forwards every access to the module, loading it then. Returns the file deferred, or undefined
 * when `id` does not resolve there or is already loaded (nothing to defer).
 */
export function deferModule(id: string, fromDir: string): string | undefined {
    let file: string;
    try {
        file = require.resolve(id, { paths: [fromDir] });
    } catch {
        return undefined;
    }
    if (require.cache[file]) return undefined;
    let real: object | undefined;
    const load = (): object => {
        if (real === undefined) {
            delete require.cache[file];
            real = createRequire(file)(file) as object;
        }
        return real;
    };
    const standIn = new Module(DEFERRED_PREFIX + file);
    standIn.filename = file;
    standIn.loaded = true;
    standIn.exports = new Proxy({}, {
        get: (_, key) => Reflect.get(load(), key),
        has: (_, key) => Reflect.has(load(), key),
        ownKeys: () => Reflect.ownKeys(load()),
        // Reported configurable: the stand-in's own target has none of these properties.
        getOwnPropertyDescriptor: (_, key) => {
            const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
            return descriptor && { ...descriptor, configurable: true };
        },
    });
    require.cache[file] = standIn;
    return file;
}
