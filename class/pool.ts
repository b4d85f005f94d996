// The class tool's worker pool: a roster's trainees, N at a time (`--parallel N`), for the stack
// commands and the data commands alike.

/** Runs `task` over `items`, at most `parallel` at once, in order of the items. */
export async function pool<T, R>(items: T[], parallel: number, task: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await task(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
    return results;
}
