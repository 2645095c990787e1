#!/usr/bin/env node
// camlab's functions from a shell: `camlab layers`, `camlab cam`, `camlab eval`.
import { runCli } from './cli/run';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`camlab: ${error.message}`);
    process.exitCode = 1;
  },
);
