import { getAddress, type EventFragment, type ParamType } from "ethers";
import type { JsonObject, JsonValue } from "../json/json-value";

/**
 * An event's arguments read straight from a log's topics and data words, for events whose arguments are each one
 * word or a tuple of them (every ConsentRegistry event, GrantIssued: most of a province's logs): ethers' generic
 * decoder builds a Result, a coder tree and a bigint per argument, which was most of the gateway's indexer's time per
 * consent (issue 17), and of the auditor's scorecard. The output is
 * what `abiArgsToJson(iface.decodeEventLog(...))` gives for the same log, argument for argument; any log this layout
 * does not read exactly as ethers would (an unexpected topic count or data length, an address word with high bits
 * set) yields null, and the caller decodes it with ethers, which then decides.
 */
export type EventLayout = (topics: readonly string[], data: string) => JsonObject | null;

type WordReader = (word: string) => JsonValue | null;

const WORD_HEX = 64;
const MAX_SAFE_HEX_DIGITS = 13;

/** The layout of an event, or null when an argument in the data is dynamic or an array (not a fixed run of words). */
export function eventLayout(event: EventFragment): EventLayout | null {
  const indexed: Array<{ key: string; read: WordReader }> = [];
  const inData: Array<{ key: string; reader: DataReader }> = [];
  const keys: string[] = [];
  for (const [i, param] of event.inputs.entries()) {
    const key = param.name === "" ? String(i) : param.name;
    keys.push(key);
    if (param.indexed) {
      // An indexed dynamic value (or tuple) is only its hash in the topic: ethers hands it back as that hash.
      const read = isOneWord(param) ? wordReader(param) : readHash;
      if (read === null) return null;
      indexed.push({ key, read });
    } else {
      const reader = dataReader(param);
      if (reader === null) return null;
      inData.push({ key, reader });
    }
  }
  const dataLength = 2 + inData.reduce((words, { reader }) => words + reader.words, 0) * WORD_HEX;
  return (topics, data) => {
    if (topics.length !== indexed.length + 1 || data.length !== dataLength) return null;
    const values: Record<string, JsonValue> = {};
    for (let i = 0; i < indexed.length; i++) {
      const topic = topics[i + 1];
      if (topic.length !== 2 + WORD_HEX) return null;
      const value = indexed[i].read(topic.slice(2).toLowerCase());
      if (value === null) return null;
      values[indexed[i].key] = value;
    }
    let at = 0;
    for (const { key, reader } of inData) {
      const value = reader.read(data, at);
      if (value === null) return null;
      values[key] = value;
      at += reader.words;
    }
    // In the ABI's order of arguments, as abiArgsToJson writes them.
    const out: JsonObject = {};
    for (const key of keys) out[key] = values[key];
    return out;
  };
}

/** Reads an argument of `words` words of the data from word `at`: a one-word value, or a tuple of them inline. */
interface DataReader {
  words: number;
  read: (data: string, at: number) => JsonValue | null;
}

function dataReader(param: ParamType): DataReader | null {
  if (param.baseType === "tuple") {
    const components = param.components ?? [];
    const parts = components.map(dataReader);
    if (parts.some((part) => part === null)) return null;
    const readers = parts as DataReader[];
    const keys = components.map((c, i) => (c.name === "" ? String(i) : c.name));
    return {
      words: readers.reduce((sum, r) => sum + r.words, 0),
      read: (data, at) => {
        const out: JsonObject = {};
        let w = at;
        for (let i = 0; i < readers.length; i++) {
          const value = readers[i].read(data, w);
          if (value === null) return null;
          out[keys[i]] = value;
          w += readers[i].words;
        }
        return out;
      },
    };
  }
  const read = wordReader(param);
  if (read === null) return null;
  return { words: 1, read: (data, at) => read(data.slice(2 + at * WORD_HEX, 2 + (at + 1) * WORD_HEX).toLowerCase()) };
}

function isOneWord(param: ParamType): boolean {
  return param.baseType === "address" || param.baseType === "bool" || /^(u?int\d*|bytes\d+)$/.test(param.type);
}

const HEX_WORD = /^[0-9a-f]{64}$/;

function readHash(word: string): JsonValue | null {
  return HEX_WORD.test(word) ? `0x${word}` : null;
}

function wordReader(param: ParamType): WordReader | null {
  const type = param.type;
  if (type === "address") return readAddress;
  if (type === "bool") return (word) => (HEX_WORD.test(word) ? /[^0]/.test(word) : null);
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes) {
    const digits = Number(bytes[1]) * 2;
    return (word) => (HEX_WORD.test(word) ? `0x${word.slice(0, digits)}` : null);
  }
  const integer = /^(u?)int(\d*)$/.exec(type);
  if (integer) return integerReader(integer[1] === "u", Number(integer[2] || 256));
  return null;
}

/** Checksummed as ethers returns addresses; a province has few distinct ones, so each is hashed once. */
const checksummed = new Map<string, string>();
const MAX_CHECKSUMMED = 10_000;

function readAddress(word: string): JsonValue | null {
  // ethers refuses an address word whose upper 12 bytes are not zero: left to it, so it refuses it as before.
  if (!HEX_WORD.test(word) || !word.startsWith("000000000000000000000000")) return null;
  const hex = word.slice(24);
  let address = checksummed.get(hex);
  if (address === undefined) {
    address = getAddress(`0x${hex}`);
    if (checksummed.size >= MAX_CHECKSUMMED) checksummed.clear();
    checksummed.set(hex, address);
  }
  return address;
}

/** ethers masks an integer word to its width (and reads a signed one in two's complement); decimal, as JSON keeps it. */
function integerReader(unsigned: boolean, bits: number): WordReader {
  const digits = bits / 4;
  return (word) => {
    if (!HEX_WORD.test(word)) return null;
    const masked = word.slice(WORD_HEX - digits);
    if (unsigned || masked.charCodeAt(0) < 56 /* "8": the sign bit is clear */) {
      const significant = masked.replace(/^0+/, "");
      return significant.length <= MAX_SAFE_HEX_DIGITS
        ? String(significant === "" ? 0 : parseInt(significant, 16))
        : BigInt(`0x${significant}`).toString(10);
    }
    return (BigInt(`0x${masked}`) - (1n << BigInt(bits))).toString(10);
  };
}
