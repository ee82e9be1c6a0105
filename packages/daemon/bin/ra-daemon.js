#!/usr/bin/env node
// Launcher for the npm bin: the built entry point does the work.
import '../dist/main.js';
