import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { createProvider } from "../../../server/src/chain/provider";
import { TxSender } from "../../../server/src/chain/tx-sender";
import { openDatabase } from "../../../server/src/common/db";
import { deployOutboxTarget, devSigners, storedValues, type DeployedTarget } from "./support/chain-fixture";
import { startHardhatNode, type HardhatNode } from "./support/hardhat-node";

const SENDER_PROCESS = path.join(__dirname, "support", "sender-process.ts");
const ACCOUNT = 7;
const KILLS = 4;
const PER_RUN = 400;

describe("TxSender in a process killed with SIGKILL mid-load", function () {
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let target: DeployedTarget;
  let dir: string;

  before(async function () {
    node = await startHardhatNode();
    provider = await createProvider(node.url);
    target = await deployOutboxTarget(provider);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kuajie-kill-"));
  });

  after(async function () {
    provider.destroy();
    await node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`loses no acknowledged transaction and sends none twice across ${KILLS} kills`, async function () {
    this.timeout(300_000);
    const dbFile = path.join(dir, "outbox.db");
    const acknowledged: number[] = [];
    for (let run = 0; run < KILLS; run += 1) {
      acknowledged.push(...(await runAndKill(dbFile, run * PER_RUN, 200 + run * 250)));
    }

    const db = openDatabase(dbFile);
    const sender = new TxSender({ db, provider, chainId: 31337, signers: devSigners(["health"], ACCOUNT) });
    await sender.start();
    const pending = db.prepare("SELECT id FROM outbox WHERE status IN ('queued', 'signed', 'sent')").all() as {
      id: number;
    }[];
    await Promise.all(pending.map(({ id }) => sender.waitFor(id)));
    await sender.stop();
    const rows = db.prepare("SELECT status, meta_json FROM outbox").all() as { status: string; meta_json: string }[];
    db.close();

    const onChain = (await storedValues(provider, target, devSigners(["x"], ACCOUNT).get("x")!.address)).map(Number);
    const unique = new Set(onChain);
    expect(acknowledged.length).to.be.greaterThan(0);
    expect(onChain.length, "a value stored twice").to.equal(unique.size);
    expect(
      acknowledged.filter((v) => !unique.has(v)),
      "acknowledged but not on chain",
    ).to.deep.equal([]);
    expect(rows.every((r) => r.status === "mined")).to.equal(true);
    expect(rows.map((r) => (JSON.parse(r.meta_json) as { value: number }).value).sort((a, b) => a - b)).to.deep.equal(
      [...unique].sort((a, b) => a - b),
    );
  });

  /** Starts the sender process, lets it acknowledge writes for a while after its first one, then SIGKILLs it. */
  async function runAndKill(dbFile: string, firstValue: number, killAfterMs: number): Promise<number[]> {
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        SENDER_PROCESS,
        dbFile,
        node.url,
        target.address,
        String(ACCOUNT),
        String(firstValue),
        String(PER_RUN),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const acks: number[] = [];
    let buffer = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        lines.filter((l) => l.startsWith("ack ")).forEach((l) => acks.push(Number(l.slice(4))));
        if (acks.length > 0 && timer === null) {
          timer = setTimeout(resolve, killAfterMs);
        }
      });
      child.once("exit", () => reject(new Error(`sender process exited by itself: ${stderr}`)));
    });
    child.kill("SIGKILL");
    await exited;
    return acks;
  }
});
