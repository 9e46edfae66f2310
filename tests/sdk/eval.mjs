// Test oracle: evaluate a `.railway/railway.{ts,mts,cts,js,mjs,cjs}` file the
// way the Railway CLI does, with the real `railway/iac` SDK, and print
// `{partial, project}` as JSON. Used by tests/test_iac_sdk.py on railsafe's own
// fixtures only: this RUNS the file, which railsafe itself never does.
//
// Mirrors the newer CLI's `evaluate_javascript` (railway-iac.md §2.1, §6):
// the context comes from `createRailwayContext(payload)`, the export is
// `mod.default ?? mod.main ?? mod.Railway ?? mod` (a nested `default` is
// unwrapped), a function is called as `exported(ctx, projectFactory)`, a
// result with `to_graph()` is converted, and `partial` is
// `mod.partial ?? mod.PARTIAL ?? mod.Partial`.
//
// Differences from the CLI, on purpose: Node 20 has no type stripping, so
// tsx (esbuild) compiles TypeScript; it also accepts non-erasable syntax
// (enums) that the CLI's Node would reject. Each file is copied, with its
// project directory, into a temporary directory whose `node_modules` points
// here, so `import "railway/iac"` resolves as it would in a user's repository.
//
// Only files under tests/fixtures/ are accepted: never a user's repository.
//
// Usage:
//   node eval.mjs FILE ENVIRONMENT          one file, prints {partial, project}
//   node eval.mjs --batch < jobs.json       [{file, environment}] -> [{result} | {error}]
import { cpSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();
const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = realpathSync(join(HERE, "..", "fixtures"));
const iac = await import("railway/iac");

// The CLI's own project factory (second argument), not the SDK's `project`.
function projectFactory(name, definition = {}) {
  const resources = (definition.resources ?? definition.services ?? []).flat();
  return { name, ...definition, resources };
}

function contextPayload(environment) {
  // The JSON the CLI puts in RAILWAY_IAC_CONTEXT (`EvalContext::to_json`).
  return {
    command: "plan",
    projectId: null,
    projectName: null,
    environmentId: null,
    environment,
    environmentName: environment,
  };
}

function stage(root, file, index) {
  // <root>/<index>/ is a copy of the directory that holds `.railway/`.
  const source = realpathSync(resolve(file));
  if (!source.startsWith(FIXTURES + sep)) {
    throw new Error(`refusing to run ${file}: only railsafe's fixtures (${FIXTURES}) are run`);
  }
  const railwayDir = dirname(source);
  const projectDir = basename(railwayDir) === ".railway" ? dirname(railwayDir) : railwayDir;
  const target = join(root, String(index));
  cpSync(projectDir, target, { recursive: true });
  return join(target, source.slice(projectDir.length + 1));
}

async function evaluate(staged, environment) {
  const payload = contextPayload(environment);
  process.env.RAILWAY_IAC_CONTEXT = JSON.stringify(payload);
  const ctx = iac.createRailwayContext(payload);
  const mod = await import(pathToFileURL(staged).href);
  const partial = mod.partial ?? mod.PARTIAL ?? mod.Partial ?? null;
  let exported = mod.default ?? mod.main ?? mod.Railway ?? mod;
  while (
    exported && typeof exported === "object" && "default" in exported &&
    exported.name == null && exported.resources == null
  ) {
    exported = exported.default;
  }
  const project = typeof exported === "function" ? await exported(ctx, projectFactory) : exported;
  const graph =
    project && typeof project === "object" && "to_graph" in project ? project.to_graph() : project;
  // JSON round trip: what the CLI reads (drops undefined and the `.env` proxies).
  return JSON.parse(JSON.stringify({ partial, project: graph }));
}

async function main() {
  const args = process.argv.slice(2);
  const batch = args[0] === "--batch";
  let jobs;
  if (batch) {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    jobs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } else if (args.length === 2) {
    jobs = [{ file: args[0], environment: args[1] }];
  } else {
    process.stderr.write("usage: node eval.mjs FILE ENVIRONMENT | node eval.mjs --batch < jobs.json\n");
    process.exit(2);
  }
  const root = mkdtempSync(join(tmpdir(), "railsafe-sdk-"));
  const results = [];
  try {
    symlinkSync(join(HERE, "node_modules"), join(root, "node_modules"), "dir");
    // Node 22 reads ESM syntax in a .ts/.js file as a module; say so for tsx.
    writeFileSync(join(root, "package.json"), '{"type": "module"}\n');
    // What a file logs must not mix with the JSON on stdout.
    console.log = console.info = console.debug = console.error;
    for (const [index, job] of jobs.entries()) {
      try {
        const staged = stage(root, job.file, index);
        results.push({ result: await evaluate(staged, job.environment) });
      } catch (error) {
        results.push({ error: String(error?.stack ?? error) });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if (batch) {
    process.stdout.write(JSON.stringify(results));
  } else if (results[0].error) {
    process.stderr.write(results[0].error + "\n");
    process.exit(1);
  } else {
    process.stdout.write(JSON.stringify(results[0].result, null, 2) + "\n");
  }
}

await main();
