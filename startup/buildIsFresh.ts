// `node bin/startup/buildIsFresh.js`: exit 0 when bin/ is newer than every source and build input,
// else exit 1 naming them. npm start builds only then (localcluster/start.sh).
import * as path from "path";
import { staleBuild } from "./staleSources";

const stale = staleBuild(path.resolve(__dirname, "..", ".."));
if (stale.length > 0) {
    process.stdout.write(`bin/ is older than ${stale.join(", ")}\n`);
    process.exitCode = 1;
}
