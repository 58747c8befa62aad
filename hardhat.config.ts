import fs from "node:fs";
import path from "node:path";
import { subtask } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_NODE_GET_PROVIDER,
  TASK_TEST_GET_TEST_FILES,
} from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import { oneRequestAtATime, type RequestProvider } from "./scripts/lib/one-request-at-a-time";

/**
 * The compiler comes from the pinned npm `solc` package, never from the network: CI and the
 * department machines cannot reach the compiler download site. Keep SOLC_VERSION equal to the
 * version of `solc` in package.json.
 */
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) {
    return runSuper();
  }
  const compilerPath = require.resolve("solc/soljson.js");
  const { version } = JSON.parse(fs.readFileSync(path.join(path.dirname(compilerPath), "package.json"), "utf8")) as {
    version: string;
  };
  if (version !== SOLC_VERSION) {
    throw new Error(`npm solc is ${version} but hardhat.config.ts expects ${SOLC_VERSION}; pin them together`);
  }
  return { compilerPath, isSolcJs: true, version: SOLC_VERSION, longVersion: `${SOLC_VERSION}-solcjs` };
});

/**
 * `hardhat node` (the development chain of `npm start`, the tests and the benchmarks) hands its server's requests to
 * the EVM one at a time: scripts/lib/one-request-at-a-time.ts says why. Production runs Besu, which this does not touch.
 */
subtask(TASK_NODE_GET_PROVIDER, async (args, _hre, runSuper) =>
  oneRequestAtATime((await runSuper(args)) as RequestProvider),
);

/**
 * The process-fault tests (test/faults: minutes of real `npm start` processes killed and paused) run only when named,
 * by `npm run test:faults`; a bare `hardhat test` (`npm test`) leaves them out.
 */
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, hre, runSuper) => {
  const files = (await runSuper(args)) as string[];
  if (args.testFiles.length > 0) return files;
  const faults = path.join(hre.config.paths.tests, "faults") + path.sep;
  return files.filter((file) => !file.startsWith(faults));
});

const besuAccounts = process.env.BESU_PRIVATE_KEYS ? process.env.BESU_PRIVATE_KEYS.split(",").map((k) => k.trim()) : [];

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // Cancun: supported by Hardhat's network and by Besu with `cancunTime` in the QBFT genesis.
      evmVersion: "cancun",
      viaIR: false,
    },
  },
  networks: {
    hardhat: { chainId: 31337 },
    localhost: { url: process.env.KUAJIE_RPC_URL ?? "http://127.0.0.1:8545", chainId: 31337 },
    besu: {
      url: process.env.BESU_RPC_URL ?? "http://127.0.0.1:8545",
      chainId: Number(process.env.BESU_CHAIN_ID ?? 1337),
      accounts: besuAccounts,
      // QBFT networks are usually free-gas; keep a price so that both free and priced networks work.
      gasPrice: Number(process.env.BESU_GAS_PRICE ?? 0),
    },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: { enabled: process.env.REPORT_GAS === "true", offline: true },
  mocha: { timeout: 120_000, reporter: path.join(__dirname, "test/support/summary-reporter.js") },
};

export default config;
