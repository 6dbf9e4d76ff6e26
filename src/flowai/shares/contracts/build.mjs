// Compile the viral-shares contracts with solc-js (the npm `solc` package ships its compiler,
// nothing is downloaded) and write one JSON artifact (ABI + bytecode) per contract to build/.
// Compiling is skipped when the source hash in build/manifest.json still matches: the hash
// covers every .sol file here, this script (which holds the compiler settings) and
// package-lock.json (which pins solc and OpenZeppelin). `--force` recompiles, `--check` only
// reports whether build/ is current (exit 1 if stale), `--print-hash` prints the hash.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const ROOT = dirname(fileURLToPath(import.meta.url));
const BUILD = join(ROOT, "build");
const SOURCE_DIRS = ["src", "test"];
// Flow EVM runs Cancun from its genesis (Prague since May 2025, Osaka since Dec 2025);
// OpenZeppelin 5 needs Cancun (mcopy, and tstore for ReentrancyGuardTransient).
const EVM_VERSION = "cancun";
const OPTIMIZER = { enabled: true, runs: 200 };

function solFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return solFiles(path);
    return entry.name.endsWith(".sol") ? [path] : [];
  });
}

function posix(path) {
  return relative(ROOT, path).split(sep).join("/");
}

function sourceHash(sources) {
  const inputs = [join(ROOT, "package-lock.json"), join(ROOT, "build.mjs"), ...sources];
  const entries = inputs.map((path) => [posix(path), readFileSync(path)]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256");
  for (const [name, bytes] of entries) {
    hash.update(`${name}\n${bytes.length}\n`);
    hash.update(bytes);
  }
  return hash.digest("hex");
}

function findImport(path) {
  const candidates = [join(ROOT, "node_modules", path), join(ROOT, path)];
  for (const candidate of candidates) {
    if (existsSync(candidate)) return { contents: readFileSync(candidate, "utf8") };
  }
  return { error: `import not found: ${path}` };
}

function manifestIsCurrent(hash) {
  const manifestPath = join(BUILD, "manifest.json");
  if (!existsSync(manifestPath)) return false;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (manifest.sourceHash !== hash) return false;
  return manifest.contracts.every((name) => existsSync(join(BUILD, `${name}.json`)));
}

function compile(sources, hash) {
  const require = createRequire(import.meta.url);
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(sources.map((path) => [posix(path), { content: readFileSync(path, "utf8") }])),
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: OPTIMIZER,
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "userdoc", "devdoc"] },
      },
    },
  };
  const started = Date.now();
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const problems = output.errors ?? [];
  for (const problem of problems) {
    // OpenZeppelin's own notes (e.g. the transient-storage warning) are known; show ours.
    const file = problem.sourceLocation?.file ?? "";
    if (problem.severity !== "error" && file.startsWith("@openzeppelin/")) continue;
    console.error(problem.formattedMessage.trim());
  }
  if (problems.some((problem) => problem.severity === "error")) process.exit(1);

  rmSync(BUILD, { recursive: true, force: true });
  mkdirSync(BUILD, { recursive: true });
  const names = [];
  for (const [sourceName, contracts] of Object.entries(output.contracts)) {
    if (!SOURCE_DIRS.some((dir) => sourceName.startsWith(`${dir}/`))) continue;
    for (const [contractName, artifact] of Object.entries(contracts)) {
      if (!artifact.evm.bytecode.object) continue; // interfaces, abstract contracts
      const runtimeBytes = artifact.evm.deployedBytecode.object.length / 2;
      const record = {
        contractName,
        sourceName,
        abi: artifact.abi,
        bytecode: `0x${artifact.evm.bytecode.object}`,
        deployedBytecode: `0x${artifact.evm.deployedBytecode.object}`,
        userdoc: artifact.userdoc,
        devdoc: artifact.devdoc,
        compiler: { solc: solc.version(), evmVersion: EVM_VERSION, optimizer: OPTIMIZER },
      };
      writeFileSync(join(BUILD, `${contractName}.json`), `${JSON.stringify(record, null, 2)}\n`);
      names.push(contractName);
      console.log(`  ${contractName}: ${runtimeBytes} bytes runtime`);
    }
  }
  names.sort();
  const manifest = { sourceHash: hash, solc: solc.version(), evmVersion: EVM_VERSION, optimizer: OPTIMIZER, contracts: names };
  writeFileSync(join(BUILD, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`compiled ${names.length} contracts with solc ${solc.version()} (${EVM_VERSION}) in ${Date.now() - started} ms`);
}

const args = new Set(process.argv.slice(2));
const sources = SOURCE_DIRS.flatMap((dir) => solFiles(join(ROOT, dir))).sort();
const hash = sourceHash(sources);
if (args.has("--print-hash")) {
  console.log(hash);
} else if (args.has("--check")) {
  const current = manifestIsCurrent(hash);
  console.log(current ? "build/ is current" : "build/ is stale: run `node build.mjs`");
  process.exit(current ? 0 : 1);
} else if (!args.has("--force") && manifestIsCurrent(hash)) {
  console.log(`contracts up to date (source hash ${hash.slice(0, 12)})`);
} else {
  compile(sources, hash);
}
