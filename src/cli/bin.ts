#!/usr/bin/env node
/**
 * The `sokka` binary: `sokka --help` lists the commands (src/cli/main.ts).
 * Under Bun: `bunx sokka`; under Deno: `deno run -A npm:sokka` (from a
 * checkout: `bun src/cli/bin.ts`, `deno run -A src/cli/bin.ts`, both tested).
 *
 * @module
 */
import process from "node:process";
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
