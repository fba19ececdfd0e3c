#!/usr/bin/env node
// Thin shim so the bin link exists before the first build; the CLI itself is compiled TypeScript.
import '../dist/main.js';
