// Test oracle for files railsafe WRITES (railsafe migrate / init): evaluate
// `<dir>/.railway/railway.ts` with the real `railway/iac` SDK, the way the
// Railway CLI does (see eval.mjs, whose evaluation this repeats), and print
// `[{result: {partial, project}} | {error}]` as JSON, one per job.
//
// Only directories the tests created for this are accepted: under the
// system's temporary directory, named `railsafe-written-*`. Never a user's
// repository.
//
// Usage: node eval_written.mjs < jobs.json     jobs: [{dir, environment}]
import { existsSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();
const HERE = dirname(fileURLToPath(import.meta.url));
const TMP = realpathSync(tmpdir());
const iac = await import("railway/iac");

function projectFactory(name, definition = {}) {
  const resources = (definition.resources ?? definition.services ?? []).flat();
  return { name, ...definition, resources };
}

function allowed(dir) {
  const real = realpathSync(dir);
  let top = real;
  while (dirname(top) !== TMP && dirname(top) !== top) top = dirname(top);
  if (dirname(top) !== TMP || !basename(top).startsWith("railsafe-written-")) {
    throw new Error(`refusing to run ${dir}: only railsafe-written-* temporary directories`);
  }
  return real;
}

async function evaluate(dir, environment, n) {
  const real = allowed(dir);
  if (!existsSync(join(real, "node_modules"))) {
    symlinkSync(join(HERE, "node_modules"), join(real, "node_modules"), "dir");
  }
  if (!existsSync(join(real, "package.json"))) {
    writeFileSync(join(real, "package.json"), '{"type": "module"}\n');
  }
  const payload = {
    command: "plan", projectId: null, projectName: null, environmentId: null,
    environment, environmentName: environment,
  };
  process.env.RAILWAY_IAC_CONTEXT = JSON.stringify(payload);
  const ctx = iac.createRailwayContext(payload);
  const file = join(real, ".railway", "railway.ts");
  const mod = await import(pathToFileURL(file).href + `?n=${n}`);
  // (tsx compiles a .ts file in a package without "type": "module" to CommonJS, where
  // the exports sit under `default`; the CLI's Node reads it as a module)
  const partial =
    mod.partial ?? mod.PARTIAL ?? mod.Partial ?? mod.default?.partial ?? null;
  let exported = mod.default ?? mod.main ?? mod.Railway ?? mod;
  // a nested `default` (a CommonJS-compiled module) is unwrapped, as the CLI does
  while (
    exported && typeof exported === "object" && "default" in exported &&
    exported.name == null && exported.resources == null
  ) {
    exported = exported.default;
  }
  const project = typeof exported === "function" ? await exported(ctx, projectFactory) : exported;
  return JSON.parse(JSON.stringify({ partial, project }));
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const jobs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
console.log = console.info = console.debug = console.error;
const results = [];
for (const [n, job] of jobs.entries()) {
  try {
    results.push({ result: await evaluate(job.dir, job.environment, n) });
  } catch (error) {
    results.push({ error: String(error?.stack ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
